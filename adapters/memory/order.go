package memory

import (
	"strings"
	"time"
)

// byTimeThenID orders rows oldest first, ties by id (ids are time-ordered).
func byTimeThenID(ta, tb time.Time, ida, idb string) int {
	if c := ta.Compare(tb); c != 0 {
		return c
	}
	return strings.Compare(ida, idb)
}

// limit cuts list to n items when n is positive.
func limit[T any](list []T, n int) []T {
	if n > 0 && len(list) > n {
		return list[:n]
	}
	return list
}
