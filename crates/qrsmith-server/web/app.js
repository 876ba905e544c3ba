// qrsmith web page: generate on the left, read on the right, and the Batch and Links tabs. Plain
// DOM, no framework: this entry module wires the tabs; each panel is a module of its own.
// The page runs under a strict Content-Security-Policy: no inline script or style, so every
// handler is attached in the modules and every look is a class in style.css. User data (decoded
// text, error messages) only ever reaches the page through textContent and attributes, never HTML.
// Modules import each other as './NAME.js'; the server serves those imports versioned.

import { $, say, onKey } from './common.js';
import './generate.js';
import './decode.js';
import './batch.js';

// The Links tab is links.js (and links.css), imported the first time the tab opens, so it
// costs the page's first load nothing. The panel names both files: the server rewrites those
// names in index.html to versioned URLs, cached for good.
const lp = $('links');
let linksTab = null; // the tab's promise, once asked for

function openLinks() {
  if (linksTab) {
    linksTab.then((tab) => tab.load(), () => {});
    return;
  }
  linksTab = import(lp.dataset.js).then((m) => m.start(lp));
  linksTab.catch(() => {
    linksTab = null; // opening the tab again tries again
    const p = document.createElement('p');
    say(p, 'The Links tab could not be loaded. Is the server still running?', 'error');
    p.classList.add('status');
    lp.replaceChildren(p);
  });
}
onKey(() => {
  if (linksTab) openLinks(); // the links of this key
});

// Tabs as ARIA describes them: one tab stop, arrow keys (and Home/End) move between tabs.
const tabs = [...document.querySelectorAll('[role=tab]')];
function select(tab, focus) {
  tabs.forEach((t) => {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !on;
  });
  if (tab.id === 'tab-links') openLinks();
  if (focus) tab.focus();
}
tabs.forEach((t, i) => {
  t.addEventListener('click', () => select(t, false));
  t.addEventListener('keydown', (e) => {
    const n = tabs.length;
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1 + n, Home: 0, End: n - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    select(tabs[to % n], true);
  });
});
if (location.hash === '#batch') select($('tab-batch'), false);
if (location.hash === '#links') select($('tab-links'), false);

