// magazin's reading-room image viewer: loads a unit's IIIF Presentation 3.0
// manifest and shows its pages with OpenSeadragon (one page at a time,
// deep zoom through the IIIF Image API). Served from the archive itself;
// no inline script, no foreign origin.
(function () {
  "use strict";
  var el = document.getElementById("iiif-viewer");
  var status = document.getElementById("iiif-status");
  if (!el) {
    return;
  }
  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }
  function label(l) {
    if (!l) {
      return "";
    }
    var v = l.de || l.none || l[Object.keys(l)[0]];
    return v && v.length ? v[0] : "";
  }
  fetch(el.getAttribute("data-manifest"), { headers: { Accept: "application/json" } })
    .then(function (r) {
      if (!r.ok) {
        throw new Error(r.status === 403 ? "Die Einheit ist gesperrt." : "Das Digitalisat ist nicht verfügbar (" + r.status + ").");
      }
      return r.json();
    })
    .then(function (m) {
      var sources = [];
      var labels = [];
      (m.items || []).forEach(function (c) {
        var a = c.items && c.items[0] && c.items[0].items && c.items[0].items[0];
        var svc = a && a.body && a.body.service && a.body.service[0];
        if (svc) {
          sources.push(svc.id + "/info.json");
          labels.push(label(c.label));
        }
      });
      if (!sources.length) {
        throw new Error("Das Digitalisat hat keine Seiten.");
      }
      var viewer = OpenSeadragon({
        element: el,
        prefixUrl: el.getAttribute("data-images"),
        tileSources: sources,
        sequenceMode: sources.length > 1,
        showNavigator: true,
        showRotationControl: true,
        drawer: "canvas",
        crossOriginPolicy: false,
        preserveViewport: false
      });
      function show(i) {
        say(labels[i] + " von " + sources.length);
        el.setAttribute("data-page", String(i + 1));
      }
      show(0);
      viewer.addHandler("page", function (e) {
        el.removeAttribute("data-loaded");
        show(e.page);
      });
      viewer.world.addHandler("add-item", function (e) {
        e.item.addHandler("fully-loaded-change", function (f) {
          if (f.fullyLoaded) {
            el.setAttribute("data-loaded", "true");
          }
        });
      });
      viewer.addHandler("open-failed", function () {
        say("Die Seite konnte nicht geladen werden.");
      });
    })
    .catch(function (err) {
      say(err.message);
      el.setAttribute("data-error", err.message);
    });
})();
