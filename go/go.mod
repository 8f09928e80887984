module dsr/go

go 1.19
