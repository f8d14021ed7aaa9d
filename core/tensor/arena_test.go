package tensor

import "testing"

func TestArenaReusesMemoryAfterReset(t *testing.T) {
	var a Arena
	x := a.New(10, 20)
	x.Fill(3)
	big := a.New(slabSize+5, 1) // larger than one slab
	if big.Len() != slabSize+5 {
		t.Fatalf("big matrix has %d elements", big.Len())
	}
	a.Reset()
	y := a.New(10, 20)
	if &y.Data[0] != &x.Data[0] {
		t.Fatal("arena did not reuse the first slab after Reset")
	}
	for _, v := range y.Data {
		if v != 0 {
			t.Fatal("arena handed out a matrix that is not zeroed")
		}
	}
	allocs := testing.AllocsPerRun(10, func() {
		a.Reset()
		a.New(10, 20)
		a.New(slabSize+5, 1)
	})
	if allocs != 0 {
		t.Fatalf("steady-state arena allocates %v times per cycle", allocs)
	}
}

func TestNilArenaAllocatesOnHeap(t *testing.T) {
	var a *Arena
	if d := a.New(2, 3); d.R != 2 || d.C != 3 || len(d.Data) != 6 {
		t.Fatalf("got %v", d)
	}
}
