package portstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/core"
)

// assertEqual fails the test when got differs from want in any exported
// field, listing every difference.
func assertEqual[T any](t *testing.T, what string, want, got T) {
	t.Helper()
	if diffs := diff(what, reflect.ValueOf(want), reflect.ValueOf(got)); len(diffs) > 0 {
		t.Errorf("%s differs:\n  %s", what, strings.Join(diffs, "\n  "))
	}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	nameType = reflect.TypeFor[core.Name]()
)

// diff compares two values of one type the way stores are expected to keep
// them: times by instant, names by their A-label form, nil and empty slices
// and maps alike, maps and interfaces by their JSON encoding (a JSON column
// turns integers into float64), everything else exactly.
func diff(path string, want, got reflect.Value) []string {
	if !want.IsValid() || !got.IsValid() {
		if want.IsValid() != got.IsValid() {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
		}
		return nil
	}
	switch want.Type() {
	case timeType:
		w, g := want.Interface().(time.Time), got.Interface().(time.Time)
		if !w.Equal(g) {
			return []string{fmt.Sprintf("%s: want %s, got %s", path, w.Format(time.RFC3339Nano), g.Format(time.RFC3339Nano))}
		}
		return nil
	case nameType:
		w, g := want.Interface().(core.Name), got.Interface().(core.Name)
		if w.String() != g.String() {
			return []string{fmt.Sprintf("%s: want %q, got %q", path, w, g)}
		}
		return nil
	}
	switch want.Kind() {
	case reflect.Pointer:
		if want.IsNil() || got.IsNil() {
			if want.IsNil() != got.IsNil() {
				return []string{fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))}
			}
			return nil
		}
		return diff(path, want.Elem(), got.Elem())
	case reflect.Struct:
		var out []string
		for i := range want.NumField() {
			if f := want.Type().Field(i); f.IsExported() {
				out = append(out, diff(path+"."+f.Name, want.Field(i), got.Field(i))...)
			}
		}
		return out
	case reflect.Slice:
		if want.Type().Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(want.Bytes(), got.Bytes()) {
				return []string{fmt.Sprintf("%s: want %q, got %q", path, want.Bytes(), got.Bytes())}
			}
			return nil
		}
		if want.Len() != got.Len() {
			return []string{fmt.Sprintf("%s: want %d elements %s, got %d elements %s", path, want.Len(), show(want), got.Len(), show(got))}
		}
		var out []string
		for i := range want.Len() {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), want.Index(i), got.Index(i))...)
		}
		return out
	case reflect.Map, reflect.Interface:
		if want.Kind() == reflect.Map && want.Len() == 0 && got.Len() == 0 {
			return nil
		}
		if w, g := show(want), show(got); w != g {
			return []string{fmt.Sprintf("%s: want %s, got %s", path, w, g)}
		}
		return nil
	default:
		if !reflect.DeepEqual(want.Interface(), got.Interface()) {
			return []string{fmt.Sprintf("%s: want %#v, got %#v", path, want.Interface(), got.Interface())}
		}
		return nil
	}
}

// show renders a value as JSON for messages and JSON comparisons.
func show(v reflect.Value) string {
	if !v.IsValid() || (v.Kind() == reflect.Pointer || v.Kind() == reflect.Map || v.Kind() == reflect.Slice || v.Kind() == reflect.Interface) && v.IsNil() {
		return "nil"
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Sprintf("%#v", v.Interface())
	}
	return string(b)
}
