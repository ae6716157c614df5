"""The JSON envelope every /v1 answer has, and the error that refuses a request."""

import dataclasses

from .texts import text_for


@dataclasses.dataclass
class Reply:
    """What a task answers; stid, ctid and texts are added when it is written."""

    status_code: str
    status_type: str = 'SUCCESS'
    data: list = dataclasses.field(default_factory=list)
    response_object: dict = None
    messages: list = dataclasses.field(default_factory=list)
    http_status: int = 200
    status_without_code: bool = False


class ApiError(Exception):
    """A refused request. problems: (message code, [(object type, object value)]) pairs."""

    def __init__(self, http_status, status_code, problems, status_without_code=False):
        super().__init__(status_code)
        self.reply = Reply(
            status_code=status_code, status_type='ERROR', http_status=http_status, status_without_code=status_without_code,
            messages=list(problems), data=None,
        )


def refuse(http_status, status_code, message_code, objects=()):
    return ApiError(http_status, status_code, [(message_code, list(objects))])


def error_message(code, language, objects=()):
    message = {'text': text_for(code, language), 'code': code, 'status': 'ERROR'}
    if objects:
        message['objects'] = [{'type': object_type, 'value': value} for object_type, value in objects]
    return message


def build_envelope(reply, stid, ctid, language):
    status = {'type': reply.status_type}
    if not reply.status_without_code:
        status.update(code=reply.status_code, text=text_for(reply.status_code, language))
    envelope = {'stid': stid, 'status': status}
    if ctid:
        envelope['ctid'] = ctid
    if reply.messages:
        envelope['messages'] = [error_message(code, language, objects) for code, objects in reply.messages]
    if reply.response_object is not None:
        envelope['object'] = reply.response_object
    if reply.data is not None:
        envelope['data'] = reply.data
    return envelope
