// Progressive enhancement only: every page works without this file.
// A chosen photo is shown before it is uploaded.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.dataset || !input.dataset.preview || !input.files || !input.files[0]) return;
  var preview = document.getElementById(input.dataset.preview);
  if (!preview) return;
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(input.files[0]);
  preview.hidden = false;
});
// A problem box is announced and takes the focus, so keyboard users land on it.
document.addEventListener("DOMContentLoaded", function () {
  var problem = document.getElementById("problem");
  if (problem) problem.focus();
});
