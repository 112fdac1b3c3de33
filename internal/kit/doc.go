// Package kit is the root of the small kit every module shares: packages
// that depend on the standard library only, and that modules' api,
// domain and service packages may all use.
//
//   - fielderr: the error of an invalid input field (which field, why);
//   - page: cursor pagination (page sizes and opaque cursors);
//   - patch: the one PATCH idiom, JSON merge patch fields (RFC 7396);
//   - sport: the sports and the visibility levels every module names.
package kit
