package auth

import "context"

// SetPassword gives a person a new password chosen by an administrator or
// the command line (the demo resets its accounts' passwords with it), ends
// their sessions and audits it. The password must pass CheckPassword.
func (s *Service) SetPassword(ctx context.Context, actor *Principal, userID, password string) error {
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	if err := s.CheckPassword("password", password, u.Email); err != nil {
		return err
	}
	if err := s.setPassword(ctx, u, password); err != nil {
		return err
	}
	if err := s.endUserSessions(ctx, userID, ""); err != nil {
		return err
	}
	s.audit(ctx, actor, "password.set", "user:"+userID, "")
	return nil
}
