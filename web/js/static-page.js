// Pages whose content is all in the HTML (the accessibility statement, Leichte Sprache): only
// the shared frame and the English texts come from script, and they read fine without it.
import { initPage } from './page.js';

const heading = document.querySelector('h1');
initPage(heading.textContent.trim(), heading.dataset.en);
