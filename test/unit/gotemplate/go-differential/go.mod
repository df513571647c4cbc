module godifferential

go 1.19
