package app

import (
	"bytes"
	"testing"
	"time"
)

// Durations in DEBUG lines carry their unit: zerolog's Dur writes a bare
// number of milliseconds, which read as "duration=0.836213".
func TestLoggerDurationsHaveUnits(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, true, false)
	log.Debug().Str("method", "GET").Dur("duration", 836213*time.Nanosecond).Dur("wait", 1500*time.Millisecond).Int("status", 200).Msg("auth0 request")
	log.Debug().Dur("duration", 12345678*time.Nanosecond).Msg("slow")
	log.Debug().Dur("duration", 999950*time.Microsecond).Msg("slower")
	log.Debug().Dur("duration", 2*time.Millisecond).Msg("quick")
	out := buf.String()
	for _, want := range []string{"duration=0.836ms", "wait=1.5s", "status=200", "duration=12.3ms", "duration=1000ms", "duration=2.00ms"} {
		if !bytes.Contains(buf.Bytes(), []byte(want)) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if bytes.Contains(buf.Bytes(), []byte("0.836213")) {
		t.Errorf("a duration without its unit:\n%s", out)
	}
}
