// Progressive enhancement of the GOV.UK service navigation: on a small
// screen the links collapse behind a "Menu" button, so a phone user does
// not tab through every link before the page's content. Without this
// script (or before it runs) the button stays hidden and every link shows.
const toggle = document.querySelector('.govuk-js-service-navigation-toggle');
const list = toggle && document.getElementById(toggle.getAttribute('aria-controls'));
if (toggle && list) {
  // GOV.UK Frontend's tablet breakpoint (641 px).
  const wide = window.matchMedia('(min-width: 40.0625em)');
  let open = false;
  const sync = () => {
    if (wide.matches) {
      toggle.hidden = true;
      toggle.removeAttribute('aria-expanded');
      list.hidden = false;
      return;
    }
    toggle.hidden = false;
    toggle.setAttribute('aria-expanded', String(open));
    list.hidden = !open;
  };
  toggle.addEventListener('click', () => {
    open = !open;
    sync();
  });
  wide.addEventListener('change', sync);
  sync();
}
