package stats

import "math"

// WGS84 ellipsoid.
const (
	wgs84A = 6378137.0
	wgs84F = 1 / 298.257223563
	wgs84B = wgs84A * (1 - wgs84F)
)

// Geodesic is the distance in metres between two points on the WGS84
// ellipsoid (Vincenty's inverse formula). For the nearly antipodal pairs
// where it does not converge, the spherical distance is used; workout
// segments are metres long and always converge.
func Geodesic(lat1, lon1, lat2, lon2 float64) float64 {
	if lat1 == lat2 && lon1 == lon2 {
		return 0
	}
	rad := math.Pi / 180
	L := (lon2 - lon1) * rad
	U1 := math.Atan((1 - wgs84F) * math.Tan(lat1*rad))
	U2 := math.Atan((1 - wgs84F) * math.Tan(lat2*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	lambda := L
	var sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM float64
	for iter := 0; iter < 200; iter++ {
		sinLambda, cosLambda := math.Sincos(lambda)
		sinSigma = math.Sqrt((cosU2*sinLambda)*(cosU2*sinLambda) +
			(cosU1*sinU2-sinU1*cosU2*cosLambda)*(cosU1*sinU2-sinU1*cosU2*cosLambda))
		if sinSigma == 0 {
			return 0
		}
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosLambda
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinLambda / sinSigma
		cosSqAlpha = 1 - sinAlpha*sinAlpha
		cos2SigmaM = 0
		if cosSqAlpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cosSqAlpha
		}
		C := wgs84F / 16 * cosSqAlpha * (4 + wgs84F*(4-3*cosSqAlpha))
		prev := lambda
		lambda = L + (1-C)*wgs84F*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-12 {
			uSq := cosSqAlpha * (wgs84A*wgs84A - wgs84B*wgs84B) / (wgs84B * wgs84B)
			A := 1 + uSq/16384*(4096+uSq*(-768+uSq*(320-175*uSq)))
			B := uSq / 1024 * (256 + uSq*(-128+uSq*(74-47*uSq)))
			deltaSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
				B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
			return wgs84B * A * (sigma - deltaSigma)
		}
	}
	// No convergence (nearly antipodal): the mean-sphere distance.
	const r = 6371008.8
	φ1, φ2 := lat1*rad, lat2*rad
	a := math.Sin((φ2-φ1)/2)*math.Sin((φ2-φ1)/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(L/2)*math.Sin(L/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
