module github.com/magazin-archiv/magazin

go 1.26
