package main

import (
	"errors"
	"os"
	"runtime"
	"runtime/pprof"
)

// loadProfiles are the profiles a loadtest run writes, each to its file
// when named: CPU, mutex contention (who waited for a sync.Mutex or
// RWMutex, and for how long) and blocking (every wait on a channel, a
// select, a lock or a condition, which is where a request waiting for the
// store's one connection shows).
type loadProfiles struct {
	cpu, mutex, block string
	cpuFile           *os.File
}

// start begins the CPU profile and turns on mutex and block sampling.
// Every contention event is recorded (fraction 1; block rate 1 ns), which
// costs a little throughput but shows the waits whole.
func (p *loadProfiles) start() error {
	if p.mutex != "" {
		runtime.SetMutexProfileFraction(1)
	}
	if p.block != "" {
		runtime.SetBlockProfileRate(1)
	}
	if p.cpu == "" {
		return nil
	}
	f, err := os.Create(p.cpu)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return err
	}
	p.cpuFile = f
	return nil
}

// stop ends the CPU profile and writes the mutex and block profiles.
func (p *loadProfiles) stop() error {
	var errs []error
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		errs = append(errs, p.cpuFile.Close())
		p.cpuFile = nil
	}
	for _, w := range []struct{ name, file string }{{"mutex", p.mutex}, {"block", p.block}} {
		if w.file == "" {
			continue
		}
		f, err := os.Create(w.file)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, pprof.Lookup(w.name).WriteTo(f, 0), f.Close())
	}
	runtime.SetMutexProfileFraction(0)
	runtime.SetBlockProfileRate(0)
	return errors.Join(errs...)
}
