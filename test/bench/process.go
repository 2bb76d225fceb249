package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// procResult is one finished child process.
type procResult struct {
	Wall     time.Duration
	MaxRSSKB int64 // peak resident set size of the process (ru_maxrss)
	Exit     int
	Stdout   string
	Stderr   string
}

// runProcess runs name with exactly env in dir and measures its wall time
// (start to exit) and peak memory. A non-zero exit is not an error; failing
// to start or being killed by ctx is.
func runProcess(ctx context.Context, dir string, env []string, name string, args ...string) (procResult, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := procResult{Wall: time.Since(start), Stdout: stdout.String(), Stderr: stderr.String()}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			res.MaxRSSKB = ru.Maxrss // kilobytes on Linux
		}
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return res, fmt.Errorf("%s: %w", name, ctx.Err())
	case errors.As(err, &ee):
		res.Exit = ee.ExitCode()
	default:
		return res, fmt.Errorf("run %s: %w", name, err)
	}
	return res, nil
}

// lastLines returns the last n non-empty lines of s, for error messages.
func lastLines(s string, n int) string {
	lines := bytes.Split(bytes.TrimSpace([]byte(s)), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
