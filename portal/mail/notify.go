package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Notify delivers through GOV.UK Notify's REST API: POST
// /v2/notifications/email with a JWT (HS256; iss = the service id, iat =
// now) signed with the secret key, both taken from the API key. The portal
// uses one email template whose subject is ((subject)) and whose body is
// ((body)); the personalisation also carries link, service_name and reason
// for councils that write richer templates.
type Notify struct {
	s      NotifySettings
	client *http.Client
	now    func() time.Time
}

// NewNotify returns the Notify transport; client may be nil.
func NewNotify(s NotifySettings, client *http.Client) *Notify {
	if client == nil {
		client = &http.Client{Timeout: s.Timeout}
	}
	return &Notify{s: s, client: client, now: time.Now}
}

// Method implements Transport.
func (n *Notify) Method() string { return "GOV.UK Notify (" + n.s.BaseURL + ")" }

// Open implements Transport: Notify needs no session.
func (n *Notify) Open(context.Context) (Conn, error) { return n, nil }

// Close implements Conn.
func (n *Notify) Close() error { return nil }

// Token returns a fresh bearer token; Notify accepts a token for 30 seconds
// after its iat, so every request gets its own.
func (n *Notify) Token() (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": n.s.ServiceID,
		"iat": n.now().Unix(),
	})
	return t.SignedString([]byte(n.s.SecretKey))
}

type notifyRequest struct {
	EmailAddress    string            `json:"email_address"`
	TemplateID      string            `json:"template_id"`
	Personalisation map[string]string `json:"personalisation"`
	Reference       string            `json:"reference"`
	Unsubscribe     string            `json:"one_click_unsubscribe_url,omitempty"`
}

type notifyErrors struct {
	StatusCode int `json:"status_code"`
	Errors     []struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	} `json:"errors"`
}

// Send implements Conn. 201 is success; 400 (a bad request: a bad address,
// a missing placeholder) and 403 (the key is wrong or revoked) are
// permanent; 429 (rate or daily limit) and 5xx are retried.
func (n *Notify) Send(ctx context.Context, m Message) error {
	pers := map[string]string{
		"subject":      m.Subject,
		"body":         m.Text,
		"link":         m.Link,
		"service_name": m.ServiceName,
		"reason":       m.Reason,
	}
	body, err := json.Marshal(notifyRequest{
		EmailAddress: m.To, TemplateID: n.s.TemplateID, Personalisation: pers, Reference: m.ID,
		Unsubscribe: httpsOnly(m.Unsubscribe),
	})
	if err != nil {
		return permanentf("encoding the Notify request: %v", err)
	}
	token, err := n.Token()
	if err != nil {
		return permanentf("signing the Notify token: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.s.BaseURL+"/v2/notifications/email", bytes.NewReader(body))
	if err != nil {
		return permanentf("%s: %v", EnvNotifyURL, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "careportal")
	resp, err := n.client.Do(req)
	if err != nil {
		return temporaryf("could not reach GOV.UK Notify: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		return nil
	}
	reason := notifyReason(resp.StatusCode, raw)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return temporaryf("%s", reason)
	case resp.StatusCode == http.StatusForbidden:
		return permanentf("%s (check %s)", reason, EnvNotifyAPIKey)
	}
	return permanentf("%s", reason)
}

func notifyReason(status int, raw []byte) string {
	var ne notifyErrors
	var parts []string
	if json.Unmarshal(raw, &ne) == nil {
		for _, e := range ne.Errors {
			parts = append(parts, strings.TrimSpace(e.Error+": "+e.Message))
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("GOV.UK Notify answered %d", status)
	}
	return fmt.Sprintf("GOV.UK Notify answered %d: %s", status, strings.Join(parts, "; "))
}

// httpsOnly keeps an unsubscribe address only if it is https (Notify
// refuses others).
func httpsOnly(u string) string {
	if strings.HasPrefix(u, "https://") {
		return u
	}
	return ""
}
