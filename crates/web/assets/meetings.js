// jiceng: the meeting forms. Without this script every field is simply shown.
// - Attendance: the reason field of a member shows only while the member is unticked (absent),
//   and the count of those present follows the ticks.
// - Sections that belong to one kind of meeting (votes: 党员大会; criticism and rectification:
//   组织生活会; group: 党小组会; lecturer: 党课) show only while that kind is ticked, or when
//   they already hold something.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("input[data-attendee]");
    var counter = document.querySelector("[data-attendance-count]");
    function syncAttendance() {
      var present = 0;
      boxes.forEach(function (box) {
        var reason = box.closest(".attendee").querySelector("[data-absent-reason]");
        if (reason) { reason.hidden = box.checked; }
        if (box.checked) { present++; }
      });
      if (counter) { counter.textContent = "（实到 " + present + " / 应到 " + boxes.length + "）"; }
    }
    boxes.forEach(function (box) { box.addEventListener("change", syncAttendance); });
    syncAttendance();

    // Quick entry: a committee meeting lists only the committee (when the roster marks one).
    var kindSelect = document.querySelector("#quick-form select[name=kind]");
    var committeeRows = document.querySelectorAll(".attendee[data-committee]");
    var note = document.querySelector("[data-committee-note]");
    function syncCommittee() {
      var committeeKind = kindSelect.value === "committee_meeting" || kindSelect.value === "party_committee_meeting";
      var only = committeeKind && committeeRows.length > 0;
      document.querySelectorAll("#quick-form .attendee").forEach(function (row) {
        var shown = !only || row.hasAttribute("data-committee");
        row.hidden = !shown;
        row.querySelectorAll("input").forEach(function (el) { el.disabled = !shown; });
      });
      if (note) { note.hidden = !only; }
      var visible = Array.prototype.filter.call(boxes, function (b) { return !b.disabled; });
      var present = visible.filter(function (b) { return b.checked; }).length;
      if (counter) { counter.textContent = "（实到 " + present + " / 应到 " + visible.length + "）"; }
    }
    if (kindSelect) {
      kindSelect.addEventListener("change", syncCommittee);
      boxes.forEach(function (box) { box.addEventListener("change", syncCommittee); });
      syncCommittee();
    }

    var kinds = document.querySelectorAll("input[name=kinds]");
    var sections = document.querySelectorAll("[data-show-for-kind]");
    function filled(section) {
      return Array.prototype.some.call(section.querySelectorAll("input, textarea, select"), function (el) {
        if (el.type === "checkbox" || el.type === "hidden") { return false; }
        return el.value.trim() !== "";
      });
    }
    function syncSections() {
      sections.forEach(function (section) {
        var kind = section.getAttribute("data-show-for-kind");
        var box = document.querySelector("input[name=kinds][value=" + kind + "]");
        section.hidden = !(box && box.checked) && !filled(section);
      });
    }
    if (kinds.length) {
      kinds.forEach(function (box) { box.addEventListener("change", syncSections); });
      syncSections();
    }
  });
})();
