package bench

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where the figures came from.
type Machine struct {
	CPUs     int    `json:"cpus"` // nproc
	CPUModel string `json:"cpu_model"`
	MemoryMB int    `json:"memory_mb"`
	OS       string `json:"os"`
	Kernel   string `json:"kernel,omitempty"`
	Go       string `json:"go"`
	Node     string `json:"node,omitempty"`
	// LoadStart and LoadEnd are the 1-minute load averages when the
	// benchmark started and ended: other work on the machine slows the
	// CPU-bound parts (auth0-deploy-cli's start, validation) most.
	LoadStart string `json:"load_start,omitempty"`
	LoadEnd   string `json:"load_end,omitempty"`
}

// DescribeMachine reads the CPU count, model and memory from /proc.
func DescribeMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	m.CPUModel = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		if n, err := strconv.Atoi(strings.Fields(kb)[0]); err == nil {
			m.MemoryMB = n / 1024
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.LoadStart = LoadAverage()
	return m
}

// LoadAverage is the 1-minute load average ("" when unknown).
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// String is the one-line description used in tables.
func (m Machine) String() string {
	s := fmt.Sprintf("%d CPU (%s), %d MB, %s, %s", m.CPUs, m.CPUModel, m.MemoryMB, m.OS, m.Go)
	if m.Kernel != "" {
		s += ", Linux " + m.Kernel
	}
	if m.Node != "" {
		s += ", Node " + m.Node
	}
	if m.LoadStart != "" {
		s += fmt.Sprintf("; load average %s at the start, %s at the end", m.LoadStart, m.LoadEnd)
	}
	return s
}

// procField returns the first value of key in a "key : value" /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func nodeVersion(node string) string {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
}
