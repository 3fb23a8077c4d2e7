package main

import (
	"bytes"
	"context"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigValidationNamesTheBadSetting(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"defaults are valid", nil, nil, ""},
		{"bad addr", map[string]string{"PORTAL_ADDR": "8080"}, nil, "PORTAL_ADDR"},
		{"bad mongo scheme", map[string]string{"MONGODB_URI": "http://x", "PORTAL_SESSION_KEY": strings.Repeat("k", 32)}, nil, "MONGODB_URI"},
		{"mongo needs a session key", map[string]string{"MONGODB_URI": "mongodb://db:27017"}, nil, "PORTAL_SESSION_KEY: is required"},
		{"short session key", map[string]string{"PORTAL_SESSION_KEY": "short"}, nil, "PORTAL_SESSION_KEY: must be at least 32"},
		{"bad db name", map[string]string{"PORTAL_DB": "a.b"}, nil, "PORTAL_DB"},
		{"base url with path", map[string]string{"PORTAL_BASE_URL": "https://x.example/portal"}, nil, "PORTAL_BASE_URL"},
		{"base url scheme", map[string]string{"PORTAL_BASE_URL": "ftp://x.example"}, nil, "PORTAL_BASE_URL"},
		{"empty service name", map[string]string{"PORTAL_SERVICE_NAME": "   "}, nil, "PORTAL_SERVICE_NAME"},
		{"flag overrides a bad env", map[string]string{"PORTAL_ADDR": "nope"}, []string{"--addr", "127.0.0.1:9000"}, ""},
		{"bad flag value", nil, []string{"--addr", "nope"}, "PORTAL_ADDR"},
		{"bad smtp url", map[string]string{"PORTAL_SMTP_URL": "mail.example:25", "PORTAL_MAIL_FROM": "a@b.example", "PORTAL_BASE_URL": "https://x.example"}, nil, "PORTAL_SMTP_URL: must start with smtp://"},
		{"smtp without from", map[string]string{"PORTAL_SMTP_URL": "smtp://mail.example:25", "PORTAL_BASE_URL": "https://x.example"}, nil, "PORTAL_MAIL_FROM: is required"},
		{"smtp without base url", map[string]string{"PORTAL_SMTP_URL": "smtp://mail.example:25", "PORTAL_MAIL_FROM": "a@b.example"}, nil, "PORTAL_BASE_URL: is required when email is set up"},
		{"smtp by flag", map[string]string{"PORTAL_BASE_URL": "https://x.example"}, []string{"--smtp-url", "smtp://mail.example:587", "--mail-from", "a@b.example"}, ""},
		{"bad notify key", map[string]string{"PORTAL_NOTIFY_API_KEY": "nope", "PORTAL_BASE_URL": "https://x.example"}, nil, "PORTAL_NOTIFY_API_KEY: is not a Notify API key"},
		{"bad memory limit", map[string]string{"PORTAL_MEMORY_LIMIT": "1GB"}, nil, "PORTAL_MEMORY_LIMIT: \"1GB\" is not a memory size"},
		{"memory limit by flag", nil, []string{"--memory-limit", "1536MiB"}, ""},
		{"notify url alone", map[string]string{"PORTAL_NOTIFY_URL": "https://notify.example"}, nil, "PORTAL_NOTIFY_URL: is set but PORTAL_NOTIFY_API_KEY is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			var stderr bytes.Buffer
			fs := newFlags("serve", env{stderr: &stderr, getenv: envFrom(tt.env)}, &c)
			err := parseFlags(fs, &c, tt.args)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	var c config
	fs := newFlags("serve", env{stderr: &bytes.Buffer{}, getenv: envFrom(map[string]string{
		"PORTAL_SERVICE_NAME": "Env Name", "PORTAL_DB": "fromenv",
	})}, &c)
	if err := parseFlags(fs, &c, []string{"--service-name", "Flag Name"}); err != nil {
		t.Fatal(err)
	}
	if c.ServiceName != "Flag Name" || c.Database != "fromenv" || c.Addr != ":8080" || c.DataDir != "./data" {
		t.Fatalf("config = %+v", c)
	}
}

func TestEverySettingHasAnEnvAndAFlag(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range settings {
		if s.Env == "" || s.Flag == "" || s.Help == "" || seen[s.Env] {
			t.Errorf("setting %+v is incomplete or repeated", s)
		}
		seen[s.Env] = true
	}
	for _, name := range []string{"PORTAL_ADDR", "MONGODB_URI", "PORTAL_DB", "PORTAL_DATA_DIR", "PORTAL_BASE_URL", "PORTAL_SERVICE_NAME", "PORTAL_SESSION_KEY",
		"PORTAL_SMTP_URL", "PORTAL_MAIL_FROM", "PORTAL_NOTIFY_API_KEY", "PORTAL_NOTIFY_URL", "PORTAL_NOTIFY_TEMPLATE_ID", "PORTAL_MEMORY_LIMIT"} {
		if !seen[name] {
			t.Errorf("%s is not a setting", name)
		}
	}
}

func TestEmbeddedSessionKeyIsMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	c := config{DataDir: dir}
	k1, err := c.sessionKey()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := c.sessionKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) < 32 || string(k1) != string(k2) {
		t.Fatalf("keys %q and %q", k1, k2)
	}
	info, err := os.Stat(filepath.Join(dir, "session.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("session.key must be private: %v %v", info, err)
	}
	configured := config{DataDir: dir, SessionKey: strings.Repeat("z", 40)}
	if k, _ := configured.sessionKey(); string(k) != strings.Repeat("z", 40) {
		t.Fatal("a configured key wins")
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), env{args: []string{"frobnicate"}, stderr: &stderr, stdout: &bytes.Buffer{}, getenv: envFrom(nil)})
	if err == nil || exitCode(err) != 2 || !strings.Contains(stderr.String(), "usage: portal") {
		t.Fatalf("err = %v, stderr = %q", err, stderr.String())
	}
	err = run(context.Background(), env{args: []string{"serve", "-h"}, stderr: &stderr, stdout: &bytes.Buffer{}, getenv: envFrom(nil)})
	if err != flag.ErrHelp {
		t.Fatalf("-h: %v", err)
	}
}

// TestServeStartsAndStopsCleanly starts `portal serve` on the embedded
// store, checks healthz and the start page, then cancels (as SIGTERM does)
// and checks that it returns without error and released the data directory.
func TestServeStartsAndStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole portal")
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := env{
		args:   []string{"serve"},
		stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
		getenv: envFrom(map[string]string{"PORTAL_ADDR": addr, "PORTAL_DATA_DIR": dir, "PORTAL_SERVICE_NAME": "Northbrook Care Portal"}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, e) }()

	waitHealthy(t, addr, done)
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.Contains(body.String(), "Northbrook Care Portal") {
		t.Error("the start page shows the service name")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s")
	}
	// The directory is free again: a second start succeeds.
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan error, 1)
	go func() { done2 <- run(ctx2, e) }()
	waitHealthy(t, addr, done2)
	cancel2()
	if err := <-done2; err != nil {
		t.Fatalf("restart on the same directory: %v", err)
	}
}

// waitHealthy polls healthz until it answers 200, failing if serve stops.
func waitHealthy(t *testing.T, addr string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("healthz did not answer within 60s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
