package load

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// ProcStats is what Linux reports about one process in /proc.
type ProcStats struct {
	// CPUSeconds is user plus system CPU time since the process started.
	CPUSeconds float64
	// PeakRSS is VmHWM: the peak resident set size in bytes since the
	// process started or since ResetPeakRSS.
	PeakRSS int64
	// RSS is VmRSS: the resident set size in bytes now.
	RSS int64
}

// clockTicks is sysconf(_SC_CLK_TCK), the unit of utime and stime.
var clockTicks = func() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && v > 0 {
			return v
		}
	}
	return 100 // USER_HZ on every mainstream Linux architecture
}()

// ReadProc reads /proc/<pid>/stat and /proc/<pid>/status.
func ReadProc(pid int) (ProcStats, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcStats{}, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcStats{}, err
	}
	return parseProc(stat, status, clockTicks)
}

// parseProc reads utime and stime (fields 14 and 15 of stat, counted after
// the parenthesised command name, which may itself hold spaces and
// parentheses) and VmHWM / VmRSS (kB) of status.
func parseProc(stat, status []byte, ticks float64) (ProcStats, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return ProcStats{}, fmt.Errorf("proc stat: no command name")
	}
	// Fields after the name start at field 3 (state).
	fields := strings.Fields(string(stat[end+1:]))
	const utimeIdx, stimeIdx = 14 - 3, 15 - 3
	if len(fields) <= stimeIdx {
		return ProcStats{}, fmt.Errorf("proc stat: %d fields", len(fields)+2)
	}
	utime, err := strconv.ParseInt(fields[utimeIdx], 10, 64)
	if err != nil {
		return ProcStats{}, fmt.Errorf("proc stat utime: %w", err)
	}
	stime, err := strconv.ParseInt(fields[stimeIdx], 10, 64)
	if err != nil {
		return ProcStats{}, fmt.Errorf("proc stat stime: %w", err)
	}
	ps := ProcStats{CPUSeconds: float64(utime+stime) / ticks}
	for _, line := range strings.Split(string(status), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "VmHWM":
			dst = &ps.PeakRSS
		case "VmRSS":
			dst = &ps.RSS
		default:
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return ProcStats{}, fmt.Errorf("proc status %s: unexpected %q", key, strings.TrimSpace(val))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return ProcStats{}, fmt.Errorf("proc status %s: %w", key, err)
		}
		*dst = kb * 1024
	}
	if ps.PeakRSS == 0 {
		return ProcStats{}, fmt.Errorf("proc status: no VmHWM")
	}
	return ps, nil
}

// ResetPeakRSS sets VmHWM back to the current RSS (writing 5 to
// /proc/<pid>/clear_refs, Linux ≥ 4.0), so that the next reading is the
// peak of what follows. It needs the right to write the process's files
// (same user, or root).
func ResetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
