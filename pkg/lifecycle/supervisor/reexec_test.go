//go:build unix

package supervisor

import (
	"reflect"
	"strings"
	"testing"
)

func TestMasterStateRoundTrip(t *testing.T) {
	tests := []masterState{
		{fd: 3, serving: 4242},
		{fd: 7, serving: 4242, draining: []int{4100}, seq: 1},
		{fd: 7, serving: 4242, draining: []int{4100, 4200}, seq: 12},
	}
	for _, want := range tests {
		got, err := parseMasterState(want.String())
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseMasterState(%q) = %+v, %v; want %+v", want.String(), got, err, want)
		}
	}
}

func TestParseMasterStateRefusesABadState(t *testing.T) {
	tests := []struct{ name, value string }{
		{"empty", ""},
		{"no socket", "serving=4242 draining= seq=0"},
		{"a standard descriptor", "fd=2 serving=4242 draining= seq=0"},
		{"no serving worker", "fd=3 draining=4100 seq=1"},
		{"fd not a number", "fd=three serving=4242"},
		{"a draining pid not a number", "fd=3 serving=4242 draining=4100,x seq=1"},
		{"seq not a number", "fd=3 serving=4242 draining= seq=-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMasterState(tt.value)
			if err == nil || !strings.Contains(err.Error(), masterStateEnv) {
				t.Errorf("parseMasterState(%q) = %v, want an error naming %s", tt.value, err, masterStateEnv)
			}
		})
	}
}
