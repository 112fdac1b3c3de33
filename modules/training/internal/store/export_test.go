package store

// PointEWKB exposes pointEWKB to the tests.
var PointEWKB = pointEWKB
