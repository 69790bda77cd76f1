// Photos are made smaller in the browser before upload: a phone's 12-megapixel picture is
// 4–8 MB, which is slow and costly on a mobile connection, while the service keeps at most
// 1600 pixels anyway. Re-encoding through a canvas also drops the EXIF data (GPS above all)
// before it leaves the phone; the server strips it again regardless.

/** The service's web size: the longest side it keeps. */
const MAX_SIDE = 1600;
/** Thumbnails for the preview list, as `data:` URLs (the CSP allows no `blob:` images). */
const PREVIEW_SIDE = 240;

function scaled(width, height, max) {
  const factor = Math.min(1, max / Math.max(width, height));
  return [Math.max(1, Math.round(width * factor)), Math.max(1, Math.round(height * factor))];
}

function draw(bitmap, max) {
  const [width, height] = scaled(bitmap.width, bitmap.height, max);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
  return canvas;
}

/**
 * `{ upload, preview }` for a chosen file: a JPEG `File` of at most 1600 px and a small
 * `data:` URL. A file the browser cannot decode is sent as it is (the service then says
 * clearly why it refuses it), with no preview.
 */
export async function preparePhoto(file) {
  let bitmap;
  try {
    // `from-image` turns the picture upright by its EXIF orientation before drawing.
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return { upload: file, preview: null };
  }
  try {
    const preview = draw(bitmap, PREVIEW_SIDE).toDataURL('image/jpeg', 0.7);
    const blob = await new Promise((resolve) => draw(bitmap, MAX_SIDE).toBlob(resolve, 'image/jpeg', 0.85));
    if (!blob) return { upload: file, preview };
    const name = file.name.replace(/\.[^.]*$/, '') || 'photo';
    return { upload: new File([blob], `${name}.jpg`, { type: 'image/jpeg' }), preview };
  } finally {
    bitmap.close();
  }
}
