// Package iiif serves digitised images of open units through the IIIF
// Image API 3.0 (compliance level 1) and one IIIF Presentation API 3.0
// manifest per unit, and embeds the reading room's image viewer
// (OpenSeadragon, see viewer/NOTICE).
//
// Routes (mounted at /iiif by magazin serve):
//
//	GET /iiif/manifest/{unit}                                   Presentation 3.0 manifest
//	GET /iiif/image/{id}                                        303 to info.json
//	GET /iiif/image/{id}/info.json                              Image 3.0 information
//	GET /iiif/image/{id}/{region}/{size}/{rotation}/{quality}.{format}
//	GET /iiif/viewer/{name...}                                  viewer assets (embedded)
//
// {unit} is a unit id (with or without "urn:uuid:") or its Signatur; an
// image {id} is "<unit uuid>~<page>", pages counted from 1.
//
// Contract:
//   - Closed means closed: every manifest, info.json, image and tile
//     request goes through one closure decision (Server.pages): the reading
//     room's public view of the unit (Room.Unit: access.Service, through
//     closure.Public) must be open and its AIP's files deliverable
//     (Files.List: access.Content, which refuses a closed AIP with
//     fs.ErrPermission). A closed unit answers 403, an unknown unit or page
//     404, before any cached derivative is looked at.
//   - The manifest's label and metadata (Signatur, Titel, Laufzeit, in
//     German) come from the public view only.
//   - The pages of a unit are the TIFF, JPEG and PNG files of its AIP's
//     original representation, in natural order of their names
//     (preservation.NaturalCompare), the order the digitised profile gives.
//   - Access derivatives (JPEG at every listed size and 512-pixel tiles at
//     scale factors 1, 2, 4, …) are made from a master on its first request
//     and kept in a cache directory keyed by the master's SHA-512: a cache,
//     never the truth, rebuilt from the AIP when deleted
//     (docs/adr/0004-iiif-derivatives.md). Requests for other regions and
//     sizes (level 1: regionByPx, regionSquare, sizeByW, sizeByH, sizeByWh)
//     are computed from the cached derivatives. Upscaling, rotation other
//     than 0, qualities other than default and formats other than jpg
//     answer 400.
//   - Every response carries Access-Control-Allow-Origin: *.
//   - Images are decoded in pure Go (image/jpeg, image/png,
//     golang.org/x/image/tiff); no process is started.
package iiif
