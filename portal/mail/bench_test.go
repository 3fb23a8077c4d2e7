package mail

import (
	"fmt"
	"testing"

	"careportal/portal/mail/mailtest"
	"careportal/portal/store/storetest"
)

// BenchmarkDeliver1000 delivers 1,000 queued messages to the in-process
// SMTP server over the embedded store: a claim insert and two bare-_id
// updates per message, one SMTP connection per batch of 200.
//
//	go test ./portal/mail/ -run '^$' -bench Deliver1000 -benchtime 3x
func BenchmarkDeliver1000(b *testing.B) {
	srv := mailtest.Start(b, mailtest.Options{})
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ob := newOutbox(b, smtpTransport(b, srv), newClock(), Options{})
		for j := 0; j < 1000; j++ {
			mustEnqueue(b, ob, testMessage(b, fmt.Sprintf("b%d-m%04d", i, j), fmt.Sprintf("p%d@x.example", j)))
		}
		ctx := storetest.Context(b)
		b.StartTimer()
		sent := 0
		for sent < 1000 {
			res, err := ob.DeliverDue(ctx)
			if err != nil || res.Sent == 0 {
				b.Fatalf("deliver: %+v %v", res, err)
			}
			sent += res.Sent
		}
	}
	b.StopTimer()
	if got := len(srv.Messages()); got != 1000*b.N {
		b.Fatalf("server got %d", got)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/1000, "ms/message")
}
