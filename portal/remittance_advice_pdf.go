package portal

import (
	"bytes"
	"fmt"

	"github.com/go-pdf/fpdf"

	"careportal/payments"
	"careportal/portal/format"
)

// advicePDF is the remittance advice as a printable A4 PDF. go-pdf/fpdf is
// pure Go (no cgo, no fonts or tools to install): the PDF uses the
// standard Helvetica font, so text outside Windows-1252 is dropped.
// Content streams are left uncompressed: an advice is a page or two, and
// its words stay searchable as written.
func advicePDF(a payments.Advice, service string) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetTitle("Remittance advice "+a.Reference, true)
	pdf.SetAuthor(service, true)
	pdf.SetCreator(service, true)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 20)
	pdf.AliasNbPages("")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 10, tr(fmt.Sprintf("Remittance advice %s, %s. Page %d of {nb}", a.Reference, format.Day(a.Date), pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(0, 10, tr("Remittance advice"), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	pdf.CellFormat(0, 6, tr(service), "", 1, "L", false, 0, "")
	pdf.Ln(4)
	for _, row := range [][2]string{
		{"Paid to", a.OrgName},
		{"Payment date", format.Day(a.Date)},
		{"Payment reference", a.Reference},
		{"Total paid", format.Pence(a.Total)},
	} {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(50, 7, tr(row[0]), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 11)
		pdf.CellFormat(0, 7, tr(row[1]), "", 1, "L", false, 0, "")
	}
	pdf.Ln(6)

	widths := []float64{44, 34, 34, 34, 34}
	heads := []string{"Invoice number", "Invoice total", "Paid", "Credited", "Balance left"}
	header := func() {
		pdf.SetFont("Helvetica", "B", 10)
		pdf.SetFillColor(243, 242, 241)
		for i, h := range heads {
			align := "R"
			if i == 0 {
				align = "L"
			}
			pdf.CellFormat(widths[i], 8, tr(h), "B", 0, align, true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 10)
	}
	header()
	var credited int64
	for _, l := range a.Lines {
		if pdf.GetY() > 270 {
			pdf.AddPage()
			header()
		}
		credited += l.CreditPence
		cells := []string{l.Number, format.Pence(l.GrossPence), format.Pence(l.PaidPence), format.Pence(l.CreditPence), format.Pence(l.BalanceAfter)}
		for i, c := range cells {
			align := "R"
			if i == 0 {
				align = "L"
			}
			pdf.CellFormat(widths[i], 7, tr(c), "B", 0, align, false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.SetFont("Helvetica", "B", 10)
	pdf.CellFormat(widths[0]+widths[1], 8, tr("Total"), "", 0, "L", false, 0, "")
	pdf.CellFormat(widths[2], 8, tr(format.Pence(a.Total)), "", 0, "R", false, 0, "")
	pdf.CellFormat(widths[3], 8, tr(format.Pence(credited)), "", 1, "R", false, 0, "")
	// What each invoice with lines paid for (care packages, by package).
	iw := []float64{92, 22, 33, 33}
	for _, l := range a.Lines {
		if len(l.Items) == 0 {
			continue
		}
		pdf.Ln(4)
		if pdf.GetY() > 255 {
			pdf.AddPage()
		}
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(0, 7, tr("What invoice "+l.Number+" paid for"), "", 1, "L", false, 0, "")
		pdf.SetFont("Helvetica", "B", 9)
		for i, h := range []string{"Package or description", "Units", "Rate", "Amount"} {
			align := "R"
			if i == 0 {
				align = "L"
			}
			pdf.CellFormat(iw[i], 7, tr(h), "B", 0, align, true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 9)
		for _, it := range l.Items {
			if pdf.GetY() > 270 {
				pdf.AddPage()
			}
			desc := it.Description
			if len(desc) > 60 {
				desc = desc[:57] + "..."
			}
			for i, c := range []string{desc, it.Quantity, format.Pence(it.UnitPricePence), format.Pence(it.NetPence)} {
				align := "R"
				if i == 0 {
					align = "L"
				}
				pdf.CellFormat(iw[i], 6, tr(c), "B", 0, align, false, 0, "")
			}
			pdf.Ln(-1)
		}
	}
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(0, 5, tr("The balance left is what was still to pay on each invoice after this payment. "+
		"Credit notes are listed where they were recorded with the same date and reference; they reduce the balance, not the total paid."), "", "L", false)

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("portal: making the remittance advice PDF: %w", err)
	}
	return buf.Bytes(), nil
}
