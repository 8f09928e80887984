module example.invalid/dsr/go

go 1.19
