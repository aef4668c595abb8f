package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// which is 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// procStat is the part of /proc/<pid>/stat the harness uses.
type procStat struct {
	comm string
	ppid int
	cpu  time.Duration // utime + stime
}

func readStat(pid int) (procStat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// comm is in parentheses and may hold spaces or parentheses itself.
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := strings.Fields(string(data[end+1:]))
	// fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
	if len(fields) < 13 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ppid, _ := strconv.Atoi(fields[1])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return procStat{comm: string(data[open+1 : end]), ppid: ppid, cpu: time.Duration(utime+stime) * clockTick}, nil
}

// cpuOf is a process's CPU time so far (user + system), 0 if it is gone.
func cpuOf(pid int) time.Duration {
	st, err := readStat(pid)
	if err != nil {
		return 0
	}
	return st.cpu
}

// cpuOfAll sums cpuOf over pids.
func cpuOfAll(pids []int) time.Duration {
	var sum time.Duration
	for _, p := range pids {
		sum += cpuOf(p)
	}
	return sum
}

// memUsage is a process's resident set now (VmRSS) and at its peak (VmHWM).
type memUsage struct {
	RSS, HWM int64 // bytes
}

func memoryOf(pid int) (memUsage, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memUsage{}, err
	}
	defer f.Close()
	var m memUsage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		switch key {
		case "VmRSS":
			m.RSS = kb << 10
		case "VmHWM":
			m.HWM = kb << 10
		}
	}
	return m, sc.Err()
}

// childrenNamed lists this process's children whose command name is one of
// names: the control plane's kube-apiserver and etcd (envtest starts them
// as children).
func childrenNamed(names ...string) []int {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	self := os.Getpid()
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, p := range paths {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.ppid != self {
			continue
		}
		// comm is cut at 15 bytes: kube-controller-manager is "kube-controller".
		for n := range want {
			if st.comm == n || (len(n) > 15 && st.comm == n[:15]) {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// machine describes the host for the report.
type machine struct {
	CPUs     int
	CPUModel string
	Memory   int64 // bytes
	Kernel   string
}

func describeMachine(cpus int) machine {
	m := machine{CPUs: cpus}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k == "MemTotal" {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				m.Memory = kb << 10
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

// loadAverage is the 1-minute load average.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
