/* The preview page's two toggles; the cards themselves need no JavaScript. Each card side is an
   iframe (so phone width is a real 360 px viewport); night mode is applied the way Anki does,
   as classes on the card's body, and every frame is sized to its content so nothing is cut off. */
(function () {
  "use strict";
  var KEY = "pathdeck-preview";
  var root = document.documentElement;
  var phone = document.getElementById("pv-phone");
  var night = document.getElementById("pv-night");

  function frames() {
    return Array.prototype.slice.call(document.querySelectorAll("iframe.pv-frame"));
  }

  function dress(frame) {
    var doc = frame.contentDocument;
    if (!doc || !doc.body) {
      return false;
    }
    doc.body.classList.toggle("nightMode", night.checked);
    doc.body.classList.toggle("night_mode", night.checked);
    frame.style.height = "1px";  // let the frame shrink, then fit it to what it holds
    frame.style.height = Math.ceil(doc.documentElement.scrollHeight) + 2 + "px";
    return true;
  }

  function apply() {
    root.classList.toggle("pv-night", night.checked);
    root.classList.toggle("pv-phone", phone.checked);
    var ready = frames().map(dress).every(Boolean);
    root.setAttribute("data-pv-state", ready ? (night.checked ? "night" : "day") + "," +
      (phone.checked ? "phone" : "wide") : "loading");
    try {
      localStorage.setItem(KEY, JSON.stringify({ night: night.checked, phone: phone.checked }));
    } catch (e) { /* storage can be off for file:// pages; the toggles still work */ }
  }

  try {
    var saved = JSON.parse(localStorage.getItem(KEY) || "{}");
    night.checked = saved.night === true;
    phone.checked = saved.phone === true;
  } catch (e) { /* no saved choice */ }
  phone.addEventListener("change", apply);
  night.addEventListener("change", apply);
  window.addEventListener("resize", apply);
  window.addEventListener("load", apply);
  frames().forEach(function (frame) { frame.addEventListener("load", apply); });
  apply();
}());
