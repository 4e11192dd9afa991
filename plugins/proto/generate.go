package proto

// The generated code is committed, so building needs no protoc. To regenerate
// after editing collector.proto, install protoc (Debian: protobuf-compiler)
// and the plugins at the versions go.mod pins:
//
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
//
// then run `go generate ./plugins/proto`.

//go:generate protoc --proto_path=. --go_out=. --go_opt=module=github.com/hipaa-evidence/hipaa-evidence/plugins/proto --go-grpc_out=. --go-grpc_opt=module=github.com/hipaa-evidence/hipaa-evidence/plugins/proto collector.proto
