module dsr/examples

go 1.19

require dsr/go v0.0.0

replace dsr/go => ../go
