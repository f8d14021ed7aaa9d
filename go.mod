module github.com/ddaebm/ddaebm

go 1.26.8
