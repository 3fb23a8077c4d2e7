// Package auth owns people and organisations: users, provider
// organisations, roles, passwords, sessions, API tokens, the authorization
// policy and the audit log of security events.
//
// # One actor
//
// Principal is the one type that says who acts, in every domain: a
// signed-in person or a provider organisation's API token (TokenID), the
// party (Role: council staff roles or RoleProvider), the organisation (OrgID,
// OrgName, ServiceTypes), the council teams, the manager flag and the
// address for the audit log. Every service method that acts or reads on
// someone's behalf takes a *Principal and checks visibility itself (with
// CanSeeOrg, IsStaff, IsProvider or Can against the policy in policy.go),
// so that a handler cannot forget; another organisation's object is
// fault.NotFound, so ids reveal nothing. A nil *Principal is nobody and
// sees nothing. System(name) is the portal acting on its own account as
// council staff (admin commands, imports, background jobs); CommandLine is
// the one the admin commands use. The audit log records a principal by user
// id and email, an API token as "token:<id>".
package auth
