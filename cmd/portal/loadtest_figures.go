package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// figuresOptions are the knobs of `portal loadtest --figures`.
type figuresOptions struct {
	rounds  int // warm fetches of each page
	changes int // invoices submitted, each followed by one fetch of every page
}

// figuresPage is one page of figures and what was measured on it.
type figuresPage struct {
	name, path     string
	user           *loadUser
	first          time.Duration   // the first fetch after the load (the figures are built or fed by it)
	warm, afterNew []time.Duration // warm fetches; fetches right after an invoice was submitted
}

// figuresUsers are the demo accounts the figures run signs in as: a
// payments officer (brokerage: the reports, the dashboard and the
// self-assessment) and a provider (its own dashboard, and the submissions).
const (
	figuresStaff    = "payments@council.example"
	figuresProvider = bareProvider
)

var assessmentRoundRe = regexp.MustCompile(`href="/assessment/rounds/([0-9A-Za-z_-]+)"`)

// runFiguresLoad measures the pages whose answers are payment figures, as
// issue 13's table lists them: the staff and the provider payment
// performance dashboards, the payments compliance notice, the late payment
// (reg 113) report and the self-assessment's pages that show the
// late-payment figures as live evidence. Each page is fetched once (the
// first answer after the load), then opts.rounds times in turn (warm),
// then, opts.changes times, the provider submits an invoice and every page
// is fetched once at once (the figures have just changed). One person at a
// time: this is answer time, not throughput. Every answer must be a 200.
// It prints each page's answer times, and the process's resident memory
// before and at its peak (/proc/self/status: the portal and the client
// share the process).
func runFiguresLoad(ctx context.Context, w io.Writer, base, password string, opts figuresOptions) error {
	staff, err := newLoadUser(base, figuresStaff, password)
	if err != nil {
		return err
	}
	provider, err := newLoadUser(base, figuresProvider, password)
	if err != nil {
		return err
	}
	pages := []*figuresPage{
		{name: "staff payment performance", path: "/performance", user: staff},
		{name: "provider payment performance", path: "/performance", user: provider},
		{name: "payments compliance notice", path: "/reports/payments-compliance", user: staff},
		{name: "late payment report (reg 113)", path: "/reports/late-payment", user: staff},
		{name: "self-assessment: live evidence", path: "/assessment/indicators", user: staff},
	}
	rounds, _, err := staff.get("/assessment")
	if err != nil {
		return fmt.Errorf("the self-assessment: %w", err)
	}
	for _, m := range assessmentRoundRe.FindAllStringSubmatch(rounds, -1) {
		if m[1] != "new" {
			pages = append(pages, &figuresPage{name: "self-assessment: a round", path: "/assessment/rounds/" + m[1], user: staff})
			break
		}
	}
	fetch := func(p *figuresPage) (time.Duration, error) {
		_, d, err := p.user.get(p.path)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p.name, err)
		}
		return d, nil
	}
	for _, p := range pages {
		if p.first, err = fetch(p); err != nil {
			return err
		}
	}
	for i := 0; i < opts.rounds && ctx.Err() == nil; i++ {
		for _, p := range pages {
			d, err := fetch(p)
			if err != nil {
				return err
			}
			p.warm = append(p.warm, d)
		}
	}
	rng := rand.New(rand.NewPCG(13, 99))
	for i := 0; i < opts.changes && ctx.Err() == nil; i++ {
		if _, err := provider.submit(rng); err != nil {
			return err
		}
		for _, p := range pages {
			d, err := fetch(p)
			if err != nil {
				return err
			}
			p.afterNew = append(p.afterNew, d)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d warm fetches of each page; %d invoices submitted, each followed by one fetch of every page\n", opts.rounds, opts.changes)
	fmt.Fprintf(w, "%-32s %9s %9s %9s %9s %9s %9s\n", "page", "first", "warm p50", "warm p95", "new p50", "new p95", "new max")
	for _, p := range pages {
		slices.Sort(p.warm)
		slices.Sort(p.afterNew)
		fmt.Fprintf(w, "%-32s %9s %9s %9s %9s %9s %9s\n", p.name, msTenths(p.first),
			msTenths(quantile(p.warm, 0.50)), msTenths(quantile(p.warm, 0.95)),
			msTenths(quantile(p.afterNew, 0.50)), msTenths(quantile(p.afterNew, 0.95)), msTenths(quantile(p.afterNew, 1)))
	}
	return nil
}

// residentMB is the process's resident memory now (VmRSS) and at its peak
// (VmHWM), in MB, from /proc/self/status; ok is false where there is none.
func residentMB() (now, peak float64, ok bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, false
	}
	var seen int
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, found := strings.Cut(line, ":")
		if !found || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return 0, 0, false
		}
		if name == "VmRSS" {
			now = kb / 1000
		} else {
			peak = kb / 1000
		}
		seen++
	}
	return now, peak, seen == 2
}

// printResident writes the resident memory line for when.
func printResident(w io.Writer, when string) {
	if now, peak, ok := residentMB(); ok {
		fmt.Fprintf(w, "resident memory %s: %.0f MB (peak so far %.0f MB)\n", when, now, peak)
	}
}
