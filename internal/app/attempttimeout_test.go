package app

import (
	"testing"
	"time"
)

func TestAttemptTimeoutIsAFifthOfAShortTimeout(t *testing.T) {
	for _, tc := range []struct{ timeout, want time.Duration }{
		{30 * time.Minute, 30 * time.Second}, // the default TIMEOUT: the adapter's 30 s
		{150 * time.Second, 30 * time.Second},
		{time.Minute, 12 * time.Second},
		{5 * time.Second, time.Second},
	} {
		if got := attemptTimeout(tc.timeout); got != tc.want {
			t.Errorf("attemptTimeout(%s) = %s, want %s", tc.timeout, got, tc.want)
		}
	}
}
