// Renders the app icons (web/icons/*.png) from web/icons/icon.svg with Debian's chromium, so
// the repository needs no image tools and downloads nothing. Run after changing the SVG:
//   node scripts/lib/make-icons.mjs        (needs `npm ci --prefix tests/tools`)
// The maskable icon has a square background and the picture inside the middle 80 % (the safe
// zone launchers keep when they cut the icon into a circle or a squircle).
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/tools/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const dir = new URL('../../web/icons/', import.meta.url);
const svg = fs.readFileSync(new URL('icon.svg', dir), 'utf8');
/** The icon on a full square, its picture scaled by `scale` around the middle. */
function square(scale) {
  const picture = svg.slice(svg.indexOf('/>', svg.indexOf('<rect')) + 2, svg.lastIndexOf('</svg>'));
  return svg.slice(0, svg.indexOf('<rect')).concat(
    '<rect width="512" height="512" fill="#0b5394"/>',
    `<g transform="translate(256 256) scale(${scale}) translate(-256 -256)">${picture}</g></svg>`);
}
const maskable = square(0.72);

const icons = [
  ['icon-192.png', svg, 192], ['icon-512.png', svg, 512], ['icon-maskable-512.png', maskable, 512],
  // iOS draws its own rounded corners over a full square.
  ['apple-touch-icon.png', square(0.9), 180],
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
for (const [name, source, size] of icons) {
  await page.setViewportSize({ width: size, height: size });
  const data = Buffer.from(source).toString('base64');
  await page.setContent(`<style>html,body{margin:0;background:transparent}</style><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${data}">`);
  await page.waitForFunction(() => document.querySelector('img').complete);
  await page.screenshot({ path: new URL(name, dir).pathname, omitBackground: true });
  console.log(`web/icons/${name}: ${size}x${size}`);
}
await browser.close();
