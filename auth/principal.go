package auth

// Role is what a person does for the council or for a provider.
type Role string

const (
	RoleProvider     Role = "provider"     // a user of one provider organisation
	RoleBrokerage    Role = "brokerage"    // brokerage and payments staff
	RoleCommissioner Role = "commissioner" // commissioners
	RoleAdmin        Role = "admin"        // administrators
)

// Roles lists every role, in the order forms show them.
var Roles = []Role{RoleProvider, RoleBrokerage, RoleCommissioner, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleProvider, RoleBrokerage, RoleCommissioner, RoleAdmin:
		return true
	}
	return false
}

// IsStaff reports whether r is a council role.
func (r Role) IsStaff() bool { return r.Valid() && r != RoleProvider }

// Principal is who acts: a signed-in person, a provider organisation's
// finance system acting through an API token, or the portal itself (an
// admin command, an import, a background job; see System). It is the one
// actor type: every service method that acts or reads on someone's behalf
// takes a *Principal and decides visibility from it, so a handler cannot
// forget. A nil *Principal is nobody: it may see nothing.
type Principal struct {
	UserID  string
	Name    string
	Email   string
	Role    Role
	OrgID   string // the provider organisation; empty for council staff
	OrgName string
	// ServiceTypes are the provider organisation's service types, for
	// features that invite organisations by type (forums, notifications).
	ServiceTypes []string
	Manager      bool     // provider user who manages the organisation's users and tokens
	Teams        []string // council teams (brokerage staff)

	SessionID string // set for a browser session
	TokenID   string // set when acting through an API token
	IP        string // the address the request came from, for the audit log
}

// System is the portal acting on its own account, as council staff with
// every staff power: an admin command, an import or a background job. name
// is what records show as the actor.
func System(name string) *Principal {
	return &Principal{Name: name, Email: name, Role: RoleAdmin, IP: "local"}
}

// From is a copy of p acting from the address ip.
func (p *Principal) From(ip string) *Principal {
	if p == nil {
		return &Principal{IP: ip}
	}
	c := *p
	c.IP = ip
	return &c
}

// IsProvider reports whether the principal acts for a provider
// organisation (a provider user or an API token).
func (p *Principal) IsProvider() bool { return p != nil && p.Role == RoleProvider }

// DisplayName is the principal's name for records people read: the
// person's name, or for an API token without one the organisation's
// finance system.
func (p *Principal) DisplayName() string {
	if p == nil {
		return ""
	}
	if p.Name == "" && p.TokenID != "" {
		return p.OrgName + " finance system"
	}
	return p.Name
}

// IsStaff reports whether the principal is council staff.
func (p *Principal) IsStaff() bool { return p != nil && p.Role.IsStaff() }

// CanSeeOrg reports whether the principal may see objects owned by the
// provider organisation orgID: council staff see all, providers their own.
// Handlers answer 404 (not 403) when this is false, so that ids of other
// organisations' objects reveal nothing.
func (p *Principal) CanSeeOrg(orgID string) bool {
	if p == nil {
		return false
	}
	if p.IsStaff() {
		return true
	}
	return p.OrgID != "" && p.OrgID == orgID
}

// InTeam reports whether the principal belongs to the council team.
func (p *Principal) InTeam(teamID string) bool {
	if p == nil {
		return false
	}
	for _, t := range p.Teams {
		if t == teamID {
			return true
		}
	}
	return false
}
