package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"careportal/portal/mail"
)

// composeFile is the part of docker-compose.yml the checks below read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string                       `yaml:"image"`
	Build       any                          `yaml:"build"`
	Command     []string                     `yaml:"command"`
	Ports       []string                     `yaml:"ports"`
	Volumes     []string                     `yaml:"volumes"`
	Environment composeEnv                   `yaml:"environment"`
	DependsOn   map[string]map[string]string `yaml:"depends_on"`
	Healthcheck *struct {
		Test     []string `yaml:"test"`
		Interval string   `yaml:"interval"`
		Timeout  string   `yaml:"timeout"`
		Retries  int      `yaml:"retries"`
	} `yaml:"healthcheck"`
}

// composeEnv accepts both forms compose allows: a map or a list of NAME=value.
type composeEnv map[string]string

func (e *composeEnv) UnmarshalYAML(n *yaml.Node) error {
	out := composeEnv{}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]string{}
		if err := n.Decode(&m); err != nil {
			return err
		}
		for k, v := range m {
			out[k] = v
		}
	case yaml.SequenceNode:
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, kv := range list {
			k, v, _ := strings.Cut(kv, "=")
			out[k] = v
		}
	default:
		return fmt.Errorf("environment: unexpected YAML %v", n.Tag)
	}
	*e = out
	return nil
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

func TestComposeServices(t *testing.T) {
	c := readCompose(t)
	var names []string
	for name := range c.Services {
		names = append(names, name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"mailpit", "mongodb", "portal"}) {
		t.Fatalf("services = %v, want [mailpit mongodb portal]", names)
	}
	mailpit := c.Services["mailpit"]
	if !strings.HasPrefix(mailpit.Image, "axllent/mailpit") {
		t.Errorf("mailpit image %q, want axllent/mailpit", mailpit.Image)
	}
	if !slices.Contains(mailpit.Ports, "8025:8025") {
		t.Errorf("mailpit ports %v: want its web UI on 8025:8025", mailpit.Ports)
	}

	mongo := c.Services["mongodb"]
	major := 0
	if m := regexp.MustCompile(`^mongo:(\d+)`).FindStringSubmatch(mongo.Image); m != nil {
		major, _ = strconv.Atoi(m[1])
	}
	if major < 6 {
		t.Errorf("mongodb image %q: want mongo:6 or later (the portal supports MongoDB 6.0 and later)", mongo.Image)
	}
	cmd := strings.Join(mongo.Command, " ")
	for _, want := range []string{"--replSet rs0", "--bind_ip_all"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("mongodb command %q lacks %q", cmd, want)
		}
	}
	if !slices.Contains(mongo.Volumes, "mongodb-data:/data/db") {
		t.Errorf("mongodb volumes %v: want mongodb-data:/data/db", mongo.Volumes)
	}
	if _, ok := c.Volumes["mongodb-data"]; !ok {
		t.Errorf("top-level volumes %v lack the named volume mongodb-data", c.Volumes)
	}
	hc := mongo.Healthcheck
	if hc == nil || len(hc.Test) == 0 {
		t.Fatal("mongodb has no healthcheck")
	}
	if hc.Test[0] != "CMD" && hc.Test[0] != "CMD-SHELL" {
		t.Errorf("healthcheck test starts with %q, want CMD or CMD-SHELL", hc.Test[0])
	}
	test := strings.Join(hc.Test, " ")
	for _, want := range []string{"mongosh", "rs.initiate(", "_id: 'rs0'", "mongodb:27017", "rs.status().ok", "quit(1)"} {
		if !strings.Contains(test, want) {
			t.Errorf("healthcheck %q lacks %q", test, want)
		}
	}
	if hc.Interval == "" || hc.Timeout == "" || hc.Retries < 1 {
		t.Errorf("healthcheck interval %q, timeout %q, retries %d: all must be set", hc.Interval, hc.Timeout, hc.Retries)
	}

	portal := c.Services["portal"]
	if portal.Build != "." {
		t.Errorf("portal build = %v, want .", portal.Build)
	}
	if !slices.Contains(portal.Ports, "8080:8080") {
		t.Errorf("portal ports %v: want 8080:8080", portal.Ports)
	}
	if got := portal.DependsOn["mongodb"]["condition"]; got != "service_healthy" {
		t.Errorf("portal depends_on mongodb condition = %q, want service_healthy", got)
	}
	if got := portal.DependsOn["mailpit"]["condition"]; got != "service_started" {
		t.Errorf("portal depends_on mailpit condition = %q, want service_started", got)
	}
}

func TestComposePortalEnvironment(t *testing.T) {
	env := readCompose(t).Services["portal"].Environment
	known := knownEnvNames()
	for name := range env {
		if !slices.Contains(known, name) {
			t.Errorf("docker-compose.yml sets %s, which the portal does not read (knownEnvNames: %v)", name, known)
		}
	}
	want := map[string]string{
		"MONGODB_URI": "mongodb://mongodb:27017/?replicaSet=rs0",
		"PORTAL_ADDR": ":8080",
		"PORTAL_DB":   "portal",
	}
	for name, value := range want {
		if env[name] != value {
			t.Errorf("portal %s = %q, want %q", name, env[name], value)
		}
	}
	for _, name := range []string{"PORTAL_BASE_URL", "PORTAL_SERVICE_NAME"} {
		if _, ok := env[name]; !ok {
			t.Errorf("portal environment lacks %s", name)
		}
	}
	// Email goes to Mailpit unless the operator names another server; the
	// default must pass the portal's own check of the setting.
	if env["PORTAL_SMTP_URL"] != "${PORTAL_SMTP_URL:-smtp://mailpit:1025?tls=none}" {
		t.Errorf("PORTAL_SMTP_URL = %q, want ${PORTAL_SMTP_URL:-smtp://mailpit:1025?tls=none}", env["PORTAL_SMTP_URL"])
	}
	def := func(v string) string { _, d, _ := strings.Cut(strings.TrimSuffix(v, "}"), ":-"); return d }
	if _, err := (mail.Settings{SMTPURL: def(env["PORTAL_SMTP_URL"]), MailFrom: def(env["PORTAL_MAIL_FROM"])}).Check(); err != nil {
		t.Errorf("the compose email defaults do not pass the portal's check: %v", err)
	}
	// MongoDB mode needs a session key: compose must refuse to start without one.
	if !regexp.MustCompile(`^\$\{PORTAL_SESSION_KEY:\?.+\}$`).MatchString(env["PORTAL_SESSION_KEY"]) {
		t.Errorf("PORTAL_SESSION_KEY = %q, want ${PORTAL_SESSION_KEY:?message} so compose stops when it is unset", env["PORTAL_SESSION_KEY"])
	}
}

func TestDockerfileRunsAsNonRoot(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var user string
	var froms int
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms++
			user = "" // USER is per stage
		case "USER":
			user = f[1]
		}
	}
	if froms < 2 {
		t.Errorf("Dockerfile has %d FROM lines, want a multi-stage build", froms)
	}
	if name, _, _ := strings.Cut(user, ":"); name == "" || name == "root" || name == "0" {
		t.Errorf("final Dockerfile stage runs as %q, want a non-root user", user)
	}
	if !strings.Contains(string(data), "./cmd/portal") {
		t.Error("Dockerfile does not build ./cmd/portal")
	}
}
