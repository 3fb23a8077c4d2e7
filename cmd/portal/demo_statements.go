package main

import (
	"context"
	"fmt"

	"careportal/auth"
	"careportal/portal/statements"
)

// demoStatementV1 is the borough's market position statement as first
// published, about fourteen months ago; demoStatementV2 updates prices,
// demand and intentions. Figures are fictional but of a realistic size for
// a London borough, drawing on the peer review's themes: a home care market
// under workforce pressure, too few nursing beds, and a shift from
// residential care to supported living and extra care.
var demoStatementV1 = map[statements.Area]statements.SectionInput{
	"older-people": {Text: `Around 38,000 residents are aged 65 or over, and the number aged 85 or over will grow by a fifth in the next ten years. Most older people want to stay at home: we want a market that helps them do so, with **reablement first** and care homes for those who need them.

- More people leave hospital needing care at home the same day
- Dementia is the most common reason for a care home placement`,
		Tables: map[statements.TableKind]string{
			"demand":     "Older people receiving long-term support | 2,450 | March 2025\nNew requests for support each month | 310 |",
			"intentions": "Joint dementia strategy with the NHS | Publish in autumn 2025 |",
		}},
	"learning-disabilities": {Text: `About 720 adults with a learning disability receive support from the council. Too many live in residential care out of the borough; we want more of them to have their own front door, close to family.`,
		Tables: map[statements.TableKind]string{
			"demand": "Adults with a learning disability supported | 720 |\nPlaced out of the borough | 140 | Mostly residential care",
		}},
	"mental-health": {Text: `We commission supported accommodation and floating support with the mental health trust. Demand for step-down places after hospital exceeds supply.`,
		Tables: map[statements.TableKind]string{
			"supply": "Supported accommodation places (mental health) | 96 | 4 schemes",
		}},
	"physical-disabilities": {Text: `Younger adults with physical disabilities tell us they want personal assistants and flexible home care arranged around work and study, often through a direct payment.`},
	"home-care": {Text: `Home care is the largest part of the market: about **41,000 hours a week** for 1,900 people, bought from 38 providers on the home care framework. Recruitment and retention of care workers is the biggest risk we hear about.

We pay at least the London Living Wage rate to framework providers.`,
		Tables: map[statements.TableKind]string{
			"demand": "Home care hours per week | 41,000 | 1,900 people\nPeople waiting for a package | 35 | Average wait 6 days",
			"supply": "Framework providers | 38 | 22 based in the borough",
			"prices": "Home care, framework rate | £22.40 an hour | 2025 to 2026\nHome care, weekly cost of a typical package (14 hours) | £313.60 per week |",
		}},
	"residential-nursing": {Text: `There are 31 care homes in the borough. Nursing beds are in short supply and many people with complex dementia are placed outside the borough.`,
		Tables: map[statements.TableKind]string{
			"demand": "Residential placements (older people) | 410 |\nNursing placements (older people) | 295 | 80 out of the borough",
			"supply": "Residential beds in the borough | 640 | 22 homes\nNursing beds in the borough | 412 | 9 homes",
			"prices": "Residential care, older people | £900 per week | Standard rate\nResidential care, dementia | £980 per week |\nNursing care, older people | £1,060 per week | Plus NHS funded nursing care",
		}},
	"supported-living": {Text: `We want to grow supported living for adults with a learning disability, autism or mental health needs, as an alternative to residential care.`,
		Tables: map[statements.TableKind]string{
			"supply":     "Supported living places | 310 | 27 schemes",
			"intentions": "Supported living framework | Tender in 2026 | About 60 new places",
		}},
	"carers": {Text: `Around 20,000 residents are unpaid carers. We fund a carers' centre, breaks and carers' assessments, and want providers to recognise and involve carers.`,
		Tables: map[statements.TableKind]string{
			"demand": "Carers' assessments each year | 1,150 |",
		}},
}

// demoStatementV2Changes are the sections that change in version 2.
var demoStatementV2Changes = map[statements.Area]statements.SectionInput{
	"home-care": {Text: `Home care is the largest part of the market: about **43,500 hours a week** for 2,020 people, bought from 36 providers on the home care framework. Recruitment and retention of care workers is still the biggest risk we hear about, and we will work with providers on a shared recruitment campaign.

We pay at least the London Living Wage rate to framework providers, and from April 2026 the framework rate rises to £23.80 an hour.`,
		Tables: map[statements.TableKind]string{
			"demand":     "Home care hours per week | 43,500 | 2,020 people\nPeople waiting for a package | 22 | Average wait 4 days",
			"supply":     "Framework providers | 36 | 21 based in the borough",
			"prices":     "Home care, framework rate | £23.80 an hour | From April 2026\nHome care, weekly cost of a typical package (14 hours) | £333.20 per week |",
			"intentions": "Home care in neighbourhoods (zoned contracts) | Pilot in the east of the borough from October 2026 |\nShared recruitment campaign with providers | Launch spring 2026 |",
		}},
	"residential-nursing": {Text: `There are 30 care homes in the borough; one residential home closed in 2025. Nursing beds, especially for complex dementia, remain in short supply and we want to place fewer people outside the borough.`,
		Tables: map[statements.TableKind]string{
			"demand":     "Residential placements (older people) | 395 |\nNursing placements (older people) | 310 | 72 out of the borough",
			"supply":     "Residential beds in the borough | 610 | 21 homes\nNursing beds in the borough | 412 | 9 homes",
			"prices":     "Residential care, older people | £950 per week | Standard rate from April 2026\nResidential care, dementia | £1,040 per week |\nNursing care, older people | £1,120 per week | Plus NHS funded nursing care",
			"intentions": "Block contract for 40 dementia nursing beds | Procure in 2026 to 2027 | In the borough",
		}},
	"supported-living": {Text: `We want to grow supported living for adults with a learning disability, autism or mental health needs, as an alternative to residential care. The new framework opens in 2026 and we particularly want schemes for people with complex needs.`,
		Tables: map[statements.TableKind]string{
			"supply":     "Supported living places | 330 | 29 schemes",
			"prices":     "Supported living, core and flexible support | £18.90 to £21.50 an hour | Depends on need",
			"intentions": "Supported living framework | Opens July 2026 | About 60 new places, 15 for complex needs",
		}},
}

func demoStatements(ctx context.Context, a *app, o demoOptions, st *demoState) error {
	gareth := &auth.Principal{Role: auth.RoleCommissioner, UserID: st.ids["user:commissioner@council.example"], Name: "Gareth Lloyd"}
	t1 := o.Now.AddDate(0, -14, 0)
	s, err := a.Statements.Create(ctx, "Adult social care market position statement",
		`This statement tells care providers what the council expects to buy for adults in Kingsbridge over the next three years: who needs care and support, what is available now, what we pay, and what we intend to commission.

It follows the peer review of our commissioning, which asked us to **update the market position statement** and talk to providers more often. Tell us what you think about any section: commissioners read and answer every comment.`,
		gareth, t1)
	if err != nil {
		return err
	}
	for _, a2 := range statements.Areas {
		in, ok := demoStatementV1[a2.Area]
		if !ok {
			continue
		}
		if err := a.Statements.UpdateSection(ctx, s.ID, a2.Area, in, gareth, t1); err != nil {
			return fmt.Errorf("version 1, %s: %w", a2.Label, err)
		}
	}
	if _, err := a.Statements.Publish(ctx, s.ID, "First version of the statement in the portal.", gareth, t1); err != nil {
		return err
	}
	t2 := o.Now.AddDate(0, 0, -45)
	if err := a.Statements.UpdateDetails(ctx, s.ID, "Adult social care market position statement 2026 to 2029",
		`This statement tells care providers what the council expects to buy for adults in Kingsbridge from 2026 to 2029: who needs care and support, what is available now, what we pay, and what we intend to commission.

It follows the peer review of our commissioning, which asked us to **update the market position statement** and talk to providers more often. Tell us what you think about any section: commissioners read and answer every comment, and we discuss the statement at the quarterly provider forums.`,
		gareth, t2); err != nil {
		return err
	}
	for area, in := range demoStatementV2Changes {
		if err := a.Statements.UpdateSection(ctx, s.ID, area, in, gareth, t2); err != nil {
			return fmt.Errorf("version 2, %s: %w", string(area), err)
		}
	}
	if _, err := a.Statements.Publish(ctx, s.ID, "New prices from April 2026 for home care, residential and nursing care; updated demand and supply figures; new commissioning intentions for zoned home care, dementia nursing beds and the supported living framework.", gareth, t2); err != nil {
		return err
	}
	st.ids["statement"] = s.ID
	// Feedback from providers: one answered, one waiting for an answer.
	helen := &auth.Principal{Role: auth.RoleProvider, UserID: st.ids["user:manager@sunrise-care.example"], Name: "Helen Marsh", OrgID: st.ids["org:SUP1001"], OrgName: "Sunrise Home Care Ltd"}
	fb, err := a.Statements.AddFeedback(ctx, s.ID, 2, "home-care", "The new rate helps, but travel time between visits in the east of the borough is not paid. Would zoned contracts include travel time?", helen, t2.AddDate(0, 0, 6))
	if err != nil {
		return err
	}
	if _, err := a.Statements.AnswerFeedback(ctx, fb.ID, "Yes: the zoned pilot pays for scheduled visit time including travel between visits within the zone. We will share the draft specification at the next home care forum.", gareth, t2.AddDate(0, 0, 9)); err != nil {
		return err
	}
	margaret := &auth.Principal{Role: auth.RoleProvider, UserID: st.ids["user:manager@oakfield-homes.example"], Name: "Margaret Doyle", OrgID: st.ids["org:SUP1002"], OrgName: "Oakfield Residential Homes"}
	if _, err := a.Statements.AddFeedback(ctx, s.ID, 2, "residential-nursing", "We could convert one floor to dementia nursing if the block contract ran for at least five years. Please consider a longer term.", margaret, t2.AddDate(0, 0, 12)); err != nil {
		return err
	}
	return nil
}
