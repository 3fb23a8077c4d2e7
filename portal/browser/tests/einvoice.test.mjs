// E-invoice upload: a provider follows the invoice form's link to upload
// an e-invoice, uploads one that breaks rules (the error summary and the
// field list each rule id, nothing is recorded), then a good one (built
// here for the demo provider and one of its contracts), which opens the
// invoice page with its lines and the UBL download. Payments staff approve
// it and the provider sees the new status. Axe at 320 px and 1280 px.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const provider = 'manager@sunrise-care.example';
const staff = 'payments@council.example';

const londonDay = (offset = 0) => {
  const d = new Date(Date.now() + offset * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(d);
};

// A UBL invoice (Peppol BIS Billing 3.0) from the demo provider, Sunrise
// Home Care Ltd, to the council under the contract given: two lines, one
// exempt (£843.75) and one at the standard rate (£50.00 + £10.00 VAT).
function ubl({ number, contract, issued, due, start, end }) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>${number}</cbc:ID>
  <cbc:IssueDate>${issued}</cbc:IssueDate>
  <cbc:DueDate>${due}</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>GBP</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>${contract}</cbc:BuyerReference>
  <cac:InvoicePeriod>
    <cbc:StartDate>${start}</cbc:StartDate>
    <cbc:EndDate>${end}</cbc:EndDate>
  </cac:InvoicePeriod>
  <cac:AccountingSupplierParty>
    <cac:Party>
      <cbc:EndpointID schemeID="9932">GB111222333</cbc:EndpointID>
      <cac:PostalAddress>
        <cbc:StreetName>1 High Street</cbc:StreetName>
        <cbc:CityName>Reading</cbc:CityName>
        <cbc:PostalZone>RG1 1AA</cbc:PostalZone>
        <cac:Country>
          <cbc:IdentificationCode>GB</cbc:IdentificationCode>
        </cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>GB111222333</cbc:CompanyID>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>Sunrise Home Care Ltd</cbc:RegistrationName>
      </cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0088">5060000000017</cbc:EndpointID>
      <cac:PostalAddress>
        <cbc:StreetName>Civic Centre</cbc:StreetName>
        <cbc:CityName>Reading</cbc:CityName>
        <cbc:PostalZone>RG1 7AE</cbc:PostalZone>
        <cac:Country>
          <cbc:IdentificationCode>GB</cbc:IdentificationCode>
        </cac:Country>
      </cac:PostalAddress>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>The Borough Council</cbc:RegistrationName>
      </cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:PaymentTerms>
    <cbc:Note>30 days</cbc:Note>
  </cac:PaymentTerms>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="GBP">10.00</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="GBP">843.75</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="GBP">0.00</cbc:TaxAmount>
      <cac:TaxCategory>
        <cbc:ID>E</cbc:ID>
        <cbc:Percent>0</cbc:Percent>
        <cbc:TaxExemptionReason>Exempt from VAT</cbc:TaxExemptionReason>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:TaxCategory>
    </cac:TaxSubtotal>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="GBP">50.00</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="GBP">10.00</cbc:TaxAmount>
      <cac:TaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>20</cbc:Percent>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="GBP">893.75</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="GBP">893.75</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="GBP">903.75</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="GBP">903.75</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="HUR">37.5</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="GBP">843.75</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>Home care hours</cbc:Name>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>E</cbc:ID>
        <cbc:Percent>0</cbc:Percent>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price>
      <cbc:PriceAmount currencyID="GBP">22.50</cbc:PriceAmount>
    </cac:Price>
  </cac:InvoiceLine>
  <cac:InvoiceLine>
    <cbc:ID>2</cbc:ID>
    <cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="GBP">50.00</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>Training</cbc:Name>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>20</cbc:Percent>
        <cac:TaxScheme>
          <cbc:ID>VAT</cbc:ID>
        </cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price>
      <cbc:PriceAmount currencyID="GBP">50.00</cbc:PriceAmount>
    </cac:Price>
  </cac:InvoiceLine>
</Invoice>
`;
}

// Checks the page at a phone's width and at a desktop's.
async function axeAtWidths(page, label) {
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await expectNoAxeViolations(page, `${label} at ${width} px`);
  }
}

async function upload(page, name, xml) {
  await page.setInputFiles('#file', { name, mimeType: 'application/xml', buffer: Buffer.from(xml, 'utf8') });
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload e-invoice' }).click()]);
}

test('e-invoice journey: rules broken, then a good upload, approved by staff', async (t) => {
  const number = `EI-${Date.now()}`;
  const prov = await newPage(t);
  await signIn(prov, provider, demoPassword);

  await gotoOK(prov, '/invoices/new');
  const contract = await prov.locator('#contract_ref option').nth(1).getAttribute('value');
  assert.ok(contract, 'the provider has a contract to invoice');
  await Promise.all([prov.waitForNavigation(), prov.locator('#einvoice-option a', { hasText: 'Upload an e-invoice' }).click()]);
  assert.equal(new URL(prov.url()).pathname, '/invoices/new/e-invoice');
  await axeAtWidths(prov, 'e-invoice upload form');

  const good = ubl({ number, contract, issued: londonDay(-2), due: londonDay(28), start: londonDay(-30), end: londonDay(-3) });

  // Totals that do not add up: refused rule by rule, nothing recorded.
  const broken = good
    .replace('<cbc:TaxInclusiveAmount currencyID="GBP">903.75', '<cbc:TaxInclusiveAmount currencyID="GBP">900.00');
  await upload(prov, 'broken.xml', broken);
  assert.equal(new URL(prov.url()).pathname, '/invoices/new/e-invoice');
  assert.match(await prov.title(), /^Error: /);
  const summary = await prov.locator('.govuk-error-summary').innerText();
  assert.match(summary, /BR-CO-15/);
  assert.equal(await prov.locator('.govuk-error-summary__list a[href="#file"]').count() > 0, true, 'the summary links to the file field');
  assert.ok(await prov.locator('#file-error').isVisible(), 'the message is beside the file field');
  assert.match(await prov.locator('#rule-failures').innerText(), /BR-CO-15[\s\S]*At \/Invoice\/cac:LegalMonetaryTotal\/cbc:TaxInclusiveAmount/);
  assert.match(await prov.getAttribute('#file', 'aria-describedby'), /file-rules/);
  await axeAtWidths(prov, 'e-invoice upload with rules broken');
  await gotoOK(prov, `/invoices?q=${encodeURIComponent(number)}`);
  assert.doesNotMatch(await prov.locator('main').innerText(), new RegExp(number), 'a refused upload was recorded');

  // The good one: the invoice page, with its lines and the download.
  await gotoOK(prov, '/invoices/new/e-invoice');
  await upload(prov, `${number}.xml`, good);
  const invoicePath = new URL(prov.url()).pathname;
  assert.match(invoicePath, /^\/invoices\/[0-9a-f]{24}$/);
  const id = invoicePath.split('/').pop();
  assert.match(await prov.locator('h1').innerText(), new RegExp(number));
  assert.match(await prov.locator('#status').innerText(), /Submitted/);
  const lines = await prov.locator('#invoice-lines tbody').innerText();
  for (const s of ['Home care hours', '37.5 hours', '£22.50', '£843.75', 'Training', '£50.00']) {
    assert.ok(lines.includes(s), `the lines lack "${s}": ${lines}`);
  }
  const download = prov.locator('#einvoice-links a', { hasText: 'Download as e-invoice (UBL XML)' });
  assert.equal(await download.count(), 1, 'no "Download as e-invoice (UBL XML)" link');
  await axeAtWidths(prov, 'uploaded e-invoice');
  const resp = await prov.request.get(await download.getAttribute('href'));
  assert.equal(resp.status(), 200);
  assert.match(resp.headers()['content-type'] || '', /xml/);
  const body = await resp.text();
  assert.match(body, /^<\?xml/);
  assert.ok(body.includes(`<cbc:ID>${number}</cbc:ID>`), 'the download is not this invoice');

  // Payments staff approve it; the provider sees it move on.
  const st = await newPage(t);
  await signIn(st, staff, demoPassword);
  await gotoOK(st, `/staff/invoices/${id}`);
  assert.match(await st.locator('h1').innerText(), new RegExp(number));
  await Promise.all([st.waitForNavigation(), st.getByRole('button', { name: 'Approve invoice' }).click()]);
  assert.match(await st.locator('#status').innerText(), /Approved/);
  await expectNoAxeViolations(st, 'approved e-invoice (staff)');

  await gotoOK(prov, invoicePath);
  assert.match(await prov.locator('#status').innerText(), /Approved/);
  assert.match(await prov.locator('#history').innerText(), /Submitted to Approved/);
  await axeAtWidths(prov, 'approved e-invoice (provider)');
});
