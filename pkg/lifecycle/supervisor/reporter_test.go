package supervisor

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// reported calls do with a Reporter on a pipe and returns what the master's end reads.
func reported(t *testing.T, do func(r *Reporter)) string {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	do(&Reporter{pipe: pw})
	pw.Close() // if no report closed it, the read below still ends
	b, err := io.ReadAll(pr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReporterSendsOnlyTheFirstReport(t *testing.T) {
	startErr := errors.New("database: unable to open")
	tests := []struct {
		name  string
		calls []string
		want  string
	}{
		{"ready", []string{"ready"}, "ready\n"},
		{"ready, then an error while serving", []string{"ready", "fail"}, "ready\n"},
		{"a start-up error", []string{"fail"}, "error: database: unable to open\n"},
		{"a start-up error, then ready", []string{"fail", "ready"}, "error: database: unable to open\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := reported(t, func(r *Reporter) {
				for _, c := range tt.calls {
					if c == "fail" {
						r.Fail(startErr)
					} else if err := r.Ready(); err != nil {
						t.Errorf("Ready: %v", err)
					}
				}
			})
			if got != tt.want {
				t.Errorf("the master read %q, want %q", got, tt.want)
			}
		})
	}
}

// The master reads one line, and passes it to `reload`: a multi-line or huge error must
// arrive as one bounded line.
func TestReporterFailIsOneBoundedLine(t *testing.T) {
	err := errors.New("config:\n" + strings.Repeat("x", 5000) + "\nthe end")
	got := reported(t, func(r *Reporter) { r.Fail(err) })
	line, rest, ok := strings.Cut(got, "\n")
	if !ok || rest != "" {
		t.Fatalf("the master read %q..., want one line", got[:min(len(got), 80)])
	}
	if !strings.HasPrefix(line, "error: config: xxx") {
		t.Errorf("line begins %q, want %q", line[:min(len(line), 20)], "error: config: xxx")
	}
	if msg := strings.TrimPrefix(line, failPrefix); len(msg) != 1000 {
		t.Errorf("message of %d bytes, want it cut to 1000", len(msg))
	}
}

func TestNilReporterIsANoOp(t *testing.T) {
	var r *Reporter // a process not started by a master has none
	if err := r.Ready(); err != nil {
		t.Errorf("Ready = %v, want nil", err)
	}
	r.Fail(errors.New("ignored"))
}
