package contacts

// Topic is something a provider may need to contact the council about.
// Each topic routes to one owning team: the contacts directory shows that
// team, and a query raised on the topic goes to its queue.
type Topic struct {
	Slug  string
	Label string
	Hint  string
	Team  string // owning team's slug (auth.CouncilTeams)
}

// topics is the shipped list, in the order people see it.
var topics = []Topic{
	{"invoice-not-paid", "An invoice has not been paid", "It is past its due date, or the amount paid is wrong", "brokerage-payments"},
	{"invoice-queried", "An invoice the council has queried", "Answer a query about one of your invoices", "brokerage-payments"},
	{"remittance", "A remittance advice or payment I cannot match", "", "brokerage-payments"},
	{"portal-account", "Using this portal or my organisation's account", "Signing in, users, API tokens", "brokerage-payments"},
	{"new-placement", "A new placement or a change to a care package", "Start, end or change of hours, placement breakdown", "adults-brokerage"},
	{"package-ending", "A person's care is ending or they have died", "", "adults-brokerage"},
	{"quality-concern", "A quality concern or safeguarding worry", "Report abuse or immediate risk to the safeguarding line first", "quality-assurance"},
	{"cqc-inspection", "A CQC inspection, improvement plan or provider concern", "", "quality-assurance"},
	{"direct-payments", "Direct payments", "People who buy their care with a direct payment", "direct-payments"},
	{"appointeeship", "Appointeeship or Court of Protection deputyship", "", "direct-payments"},
	{"financial-assessment", "A financial assessment or a person's contribution", "What a person pays towards their care", "advice-financial-assessments"},
	{"contract-variation", "A contract, contract variation or fee uplift", "", "commissioning"},
	{"tenders", "Tenders, frameworks and becoming a council provider", "", "commissioning"},
	{"market-position-statement", "The market position statement", "What the council needs from the care market", "commissioning"},
	{"forums", "Provider forums and events", "", "commissioning"},
}

// Topics lists every topic in display order.
func Topics() []Topic { return append([]Topic(nil), topics...) }

// TopicBySlug returns the topic, or false.
func TopicBySlug(slug string) (Topic, bool) {
	for _, t := range topics {
		if t.Slug == slug {
			return t, true
		}
	}
	return Topic{}, false
}

// TopicsFor lists the topics a team owns.
func TopicsFor(team string) []Topic {
	var out []Topic
	for _, t := range topics {
		if t.Team == team {
			out = append(out, t)
		}
	}
	return out
}
