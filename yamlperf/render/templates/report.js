/* Tooltips for the inline pygal charts, replacing pygal's CDN script: no network, text only. */
(function () {
  "use strict";
  var tip = document.getElementById("chart-tip");
  if (!tip) { return; }
  function describe(trigger) {
    var group = trigger.parentNode;
    var label = group.querySelector("desc.label");
    var value = group.querySelector("desc.value");
    return (label && label.textContent) || (value && value.textContent) || "";
  }
  function place(event) {
    var x = event.clientX + 14, y = event.clientY + 14;
    var box = tip.getBoundingClientRect();
    if (x + box.width > window.innerWidth - 8) { x = event.clientX - box.width - 14; }
    if (y + box.height > window.innerHeight - 8) { y = event.clientY - box.height - 14; }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  document.addEventListener("mouseover", function (event) {
    var trigger = event.target.closest && event.target.closest(".tooltip-trigger");
    if (!trigger) { return; }
    tip.textContent = describe(trigger);
    tip.hidden = !tip.textContent;
    place(event);
  });
  document.addEventListener("mousemove", function (event) {
    if (!tip.hidden) { place(event); }
  });
  document.addEventListener("mouseout", function (event) {
    if (event.target.closest && event.target.closest(".tooltip-trigger")) { tip.hidden = true; }
  });
}());
