package auth

// Team is one of the council teams named in the peer review. Its slug is
// the stable id that users' memberships, query routing and the contacts
// directory all refer to.
type Team struct {
	Slug string
	Name string
}

// CouncilTeams are the council's teams that providers deal with.
var CouncilTeams = []Team{
	{"quality-assurance", "Quality Assurance"},
	{"adults-brokerage", "Adults Brokerage"},
	{"brokerage-payments", "Brokerage Payments"},
	{"direct-payments", "Direct Payments, Appointeeship and Court of Protection"},
	{"advice-financial-assessments", "Advice and Financial Assessments"},
	{"commissioning", "Commissioning"},
}

// TeamName returns a team's name, or "" for an unknown slug.
func TeamName(slug string) string {
	for _, t := range CouncilTeams {
		if t.Slug == slug {
			return t.Name
		}
	}
	return ""
}
