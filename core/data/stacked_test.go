package data

import (
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/tensor"
)

// A source whose image j has every pixel j/255 and label j mod 10 shows
// which image went into which channel.
func TestStackedMNISTLayoutAndLabels(t *testing.T) {
	const m = 30
	src := Images{X: tensor.New(m, MNISTPixels), Labels: make([]int, m)}
	for j := range m {
		src.Labels[j] = j % 10
		for k := range MNISTPixels {
			src.X.Set(j, k, tensor.Float(j)/255)
		}
	}
	out, err := StackedMNIST(src, 500, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	if out.X.R != 500 || out.X.C != StackedMNISTDim || StackedMNISTDim != 2352 || len(out.Labels) != 500 {
		t.Fatalf("shape %v with %d labels, want 500×2352", out.X, len(out.Labels))
	}
	for i := range 500 {
		row := out.X.Row(i)
		label := 0
		for c := range 3 {
			ch := row[c*MNISTPixels : (c+1)*MNISTPixels]
			j := int(ch[0]*255 + 0.5)
			for _, v := range ch {
				if v != ch[0] {
					t.Fatalf("example %d, channel %d mixes source images", i, c)
				}
			}
			label = 10*label + src.Labels[j]
		}
		if out.Labels[i] != label {
			t.Fatalf("example %d: label %d, want %d from its channels", i, out.Labels[i], label)
		}
	}
	again, _ := StackedMNIST(src, 500, newRNG(1))
	other, _ := StackedMNIST(src, 500, newRNG(2))
	if !equalData(out.X, again.X) || equalData(out.X, other.X) {
		t.Error("the seed does not determine the examples")
	}
}

// From real MNIST, 10000 examples cover all 1000 modes about evenly.
func TestStackedMNISTCoversAllModes(t *testing.T) {
	m := loadMNISTForTest(t)
	out, err := StackedMNIST(m.Train, 10000, newRNG(5))
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, StackedMNISTClasses)
	for _, l := range out.Labels {
		counts[l]++
	}
	lo, hi := len(out.Labels), 0
	for _, c := range counts {
		lo, hi = min(lo, c), max(hi, c)
	}
	// Each mode expects about 10 examples, the commonest (three 1s) 14;
	// a mode is missed with probability about e^−10.
	if lo < 1 || hi > 35 {
		t.Errorf("mode counts range over [%d, %d], want all 1000 modes present and none over 35", lo, hi)
	}
}

func TestStackedMNISTErrors(t *testing.T) {
	good := Images{X: tensor.New(2, MNISTPixels), Labels: []int{1, 2}}
	tests := []struct {
		name string
		src  Images
		n    int
		want string
	}{
		{"no images", Images{}, 1, "784-pixel"},
		{"wrong width", Images{X: tensor.New(2, 10), Labels: []int{1, 2}}, 1, "784-pixel"},
		{"labels missing", Images{X: tensor.New(2, MNISTPixels), Labels: []int{1}}, 1, "2 images and 1 labels"},
		{"empty source", Images{X: tensor.New(0, MNISTPixels)}, 1, "non-empty"},
		{"negative n", good, -1, "negative"},
		{"bad label", Images{X: tensor.New(2, MNISTPixels), Labels: []int{12, 12}}, 1, "label 12"},
	}
	for _, tt := range tests {
		if _, err := StackedMNIST(tt.src, tt.n, newRNG(1)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tt.name, err, tt.want)
		}
	}
}
