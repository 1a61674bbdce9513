"""Records PutMetricData requests signed by botocore, for sigv4.test.ts and decode.test.ts.

Run: python3 make-vectors.py > botocore-vectors.json   (botocore 1.43 was used for the file checked in)

botocore is made to speak each of CloudWatch's three protocols in turn (the
service model lists smithy-rpc-v2-cbor, json and query; botocore picks json
when left alone), at a fixed signing time, with one small request and one
large enough for botocore to gzip. Requests are captured before they are
sent, so nothing leaves the machine.
"""
import base64
import datetime
import json
import sys

import botocore.auth
import botocore.session
from botocore.awsrequest import AWSResponse

SIGNED_AT = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
KEY_ID, SECRET = 'AKIDVECTOR0001', 'vector/secret+key=1'
botocore.auth.get_current_datetime = lambda *a, **k: SIGNED_AT

# What a successful call looks like in each protocol, so botocore is satisfied.
OK = {
    'application/x-www-form-urlencoded': (b'<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></PutMetricDataResponse>', {}),
    'application/x-amz-json-1.0': (b'{}', {}),
    'application/cbor': (bytes([0xA0]), {'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor'}),
}


def client_for(protocol):
    session = botocore.session.get_session()
    loader = session.get_component('data_loader')
    load = loader.load_service_model

    def only(service_name, type_name, api_version=None):
        model = load(service_name, type_name, api_version)
        if service_name == 'cloudwatch' and type_name == 'service-2':
            model = dict(model, metadata=dict(model['metadata'], protocols=[protocol], protocol=protocol))
        return model

    loader.load_service_model = only
    return session.create_client('cloudwatch', region_name='eu-west-1', endpoint_url='http://127.0.0.1:4320',
                                 aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


captured = []


def capture(request, **_):
    headers = [[k, v if isinstance(v, str) else v.decode()] for k, v in request.headers.items()]
    body = request.body if isinstance(request.body, bytes) else (request.body or '').encode()
    captured.append({'method': request.method, 'url': request.url, 'headers': headers, 'body': base64.b64encode(body).decode()})
    content_type = dict((k.lower(), v) for k, v in headers)['content-type'].split(';')[0]
    payload, response_headers = OK[content_type]

    class Raw:
        def stream(self, *a, **k):
            yield payload

    return AWSResponse(request.url, 200, response_headers, Raw())


at = datetime.datetime(2026, 3, 1, 11, 59, 0, tzinfo=datetime.timezone.utc)
small = [
    {'MetricName': 'cpu', 'Value': 1.5, 'Unit': 'Percent', 'Timestamp': at, 'Dimensions': [{'Name': 'Host', 'Value': 'a b/c'}]},
    {'MetricName': 'lat', 'Values': [1, 2.5], 'Counts': [3, 1], 'StorageResolution': 1},
    {'MetricName': 'st', 'StatisticValues': {'SampleCount': 4, 'Sum': 10, 'Minimum': 1, 'Maximum': 4}},
]
large = [{'MetricName': f'm{i}', 'Value': float(i), 'Dimensions': [{'Name': f'd{j}', 'Value': f'v{j}'} for j in range(10)]} for i in range(60)]

for protocol in ['query', 'json', 'smithy-rpc-v2-cbor']:
    client = client_for(protocol)
    client.meta.events.register('before-send', capture)
    for name, data in [('small', small), ('gzip', large)]:
        client.put_metric_data(Namespace='Site/App', MetricData=data)
        captured[-1]['name'] = f'botocore {protocol} {name}'

json.dump({'secret': SECRET, 'accessKeyId': KEY_ID, 'now': '2026-03-01T12:00:00Z', 'vectors': captured}, sys.stdout, indent=1)
