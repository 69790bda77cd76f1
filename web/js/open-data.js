// The "Offene Daten" page: its text is in the HTML (it reads without JavaScript); script adds
// the shared frame and shows the licence and attribution the operator configured, as the
// DCAT-AP.de catalog states them.
import { getJson } from './api.js';
import { initPage } from './page.js';

const heading = document.querySelector('h1');
initPage(heading.textContent.trim(), heading.dataset.en);

// The licence vocabulary's URIs name licences; these are the pages that explain them.
const LICENCE_PAGES = {
  'http://dcat-ap.de/def/licenses/dl-by-de/2.0': 'https://www.govdata.de/dl-de/by-2-0',
  'http://dcat-ap.de/def/licenses/dl-zero-de/2.0': 'https://www.govdata.de/dl-de/zero-2-0',
  'http://dcat-ap.de/def/licenses/cc-by/4.0': 'https://creativecommons.org/licenses/by/4.0/',
  'http://dcat-ap.de/def/licenses/cc-zero': 'https://creativecommons.org/publicdomain/zero/1.0/',
};

getJson('/api/v1/open-data/catalog.jsonld').then((catalog) => {
  const [csv] = catalog['dcat:dataset']['dcat:distribution'];
  const uri = csv['dct:license']['@id'];
  const link = document.getElementById('license');
  link.href = LICENCE_PAGES[uri] ?? uri;
  if (!LICENCE_PAGES[uri]) link.textContent = uri;
  document.getElementById('attribution').textContent = csv['dcatde:licenseAttributionByText'];
}).catch(() => {});
