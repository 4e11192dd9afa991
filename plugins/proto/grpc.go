package proto

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	pb "github.com/hipaa-evidence/hipaa-evidence/plugins/proto/internal/pluginv1"
)

// GRPCPlugin binds Plugin to go-plugin's gRPC transport. A plugin sets Impl;
// a host leaves it nil and dispenses a client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the plugin's implementation, served by GRPCServer.
	Impl Plugin
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the collector service backed by p.Impl.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return errors.New("serve collector plugin: no implementation")
	}
	pb.RegisterCollectorServer(s, &grpcServer{impl: p.Impl})
	return nil
}

// GRPCClient returns a Plugin that calls the plugin over c.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &grpcClient{client: pb.NewCollectorClient(c)}, nil
}

// grpcClient implements Plugin over a gRPC connection.
type grpcClient struct {
	client pb.CollectorClient
}

func (c *grpcClient) Describe(ctx context.Context) (*Description, error) {
	resp, err := c.client.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	d, err := descriptionFromWire(resp)
	if err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	return d, nil
}

func (c *grpcClient) Collect(ctx context.Context, collector string, req *collectors.Request, send func(*evidence.Snapshot) error) error {
	wreq, err := requestToWire(collector, req)
	if err != nil {
		return fmt.Errorf("collect %s: %w", collector, err)
	}
	// Cancelling on return tears the stream down if send refuses a snapshot.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.Collect(ctx, wreq)
	if err != nil {
		return fmt.Errorf("collect %s: %w", collector, err)
	}
	n := 0
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("collect %s: %w", collector, err)
		}
		if len(msg.GetSnapshots()) == 0 {
			return fmt.Errorf("collect %s: %w: a message with no snapshots", collector, ErrMalformed)
		}
		for _, m := range msg.GetSnapshots() {
			s, err := snapshotFromWire(m)
			if err != nil {
				return fmt.Errorf("collect %s: snapshot %d: %w", collector, n, err)
			}
			if err := send(s); err != nil {
				return err
			}
			n++
		}
	}
}

// Batching of small snapshots on the plugin side: one gRPC message per
// snapshot costs more than the snapshot when it is small.
const (
	// batchBytes bounds the encoded snapshots of one message; a snapshot
	// larger than this travels alone.
	batchBytes = 256 << 10
	// batchCount bounds the snapshots of one message.
	batchCount = 256
)

// batcher groups snapshots into CollectResponse messages.
type batcher struct {
	send  func(*pb.CollectResponse) error
	batch []*pb.Snapshot
	size  int
}

func (b *batcher) add(s *pb.Snapshot) error {
	n := proto.Size(s)
	if len(b.batch) > 0 && (b.size+n > batchBytes || len(b.batch) >= batchCount) {
		if err := b.flush(); err != nil {
			return err
		}
	}
	b.batch = append(b.batch, s)
	b.size += n
	return nil
}

func (b *batcher) flush() error {
	if len(b.batch) == 0 {
		return nil
	}
	err := b.send(&pb.CollectResponse{Snapshots: b.batch})
	b.batch, b.size = nil, 0
	return err
}

// grpcServer exposes a Plugin as the collector service.
type grpcServer struct {
	pb.UnimplementedCollectorServer
	impl Plugin
}

func (s *grpcServer) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	d, err := s.impl.Describe(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return descriptionToWire(d), nil
}

func (s *grpcServer) Collect(req *pb.CollectRequest, stream grpc.ServerStreamingServer[pb.CollectResponse]) error {
	name, creq, err := requestFromWire(req)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	b := &batcher{send: stream.Send}
	err = s.impl.Collect(stream.Context(), name, creq, func(snap *evidence.Snapshot) error {
		return b.add(snapshotToWire(snap))
	})
	if err == nil {
		err = b.flush()
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnknownCollector):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(codes.Unknown, err.Error())
}
