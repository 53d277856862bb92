/**
 * Downloads a URL without leaving the page: signed export links answer with
 * Content-Disposition: attachment; a `download` name is given for local files.
 */
export function startDownload(url: string, fileName = "") {
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}

/** Downloads text made in the page as a file (an object URL, released once the download has begun). */
export function downloadText(text: string, fileName: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  startDownload(url, fileName);
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
