package data

import (
	"slices"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

func TestImageRowsRoundTrip(t *testing.T) {
	// Two 2×2×3 images, channel-major: value = 100·image + 10·channel + pixel.
	x := tensor.New(2, 12)
	for i := range 2 {
		for c := range 3 {
			for p := range 4 {
				x.Data[i*12+c*4+p] = tensor.Float(100*i + 10*c + p)
			}
		}
	}
	rows, im, err := ToImageRows(x, 3, 2, 2, 1, -1)
	if err != nil {
		t.Fatal(err)
	}
	if im.H != 4 || im.W != 4 || im.C != 3 || rows.C != 48 {
		t.Fatalf("layout %+v, %d columns", im, rows.C)
	}
	// Pixel (y, x) = (1, 2) of the padded image 1 is pixel (0, 1) of the
	// original: its channels 101, 111, 121 side by side.
	at := (1*4 + 2) * 3
	if got := rows.Row(1)[at : at+3]; !slices.Equal(got, []tensor.Float{101, 111, 121}) {
		t.Errorf("pixel (1, 2) of image 1: %v, want [101 111 121]", got)
	}
	if corner := rows.Row(0)[0:3]; !slices.Equal(corner, []tensor.Float{-1, -1, -1}) {
		t.Errorf("padding: %v, want the fill −1", corner)
	}
	back, err := FromImageRows(rows, im, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Data, x.Data) {
		t.Errorf("round trip: %v, want %v", back.Data, x.Data)
	}
	if _, _, err := ToImageRows(x, 3, 2, 3, 0, 0); err == nil {
		t.Error("accepted rows of 12 values as 3×2×3 images")
	}
}
