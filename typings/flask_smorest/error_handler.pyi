# What campaign/api uses of flask-smorest's error handler module.
from marshmallow import Schema, fields

class ErrorSchema(Schema):
    code: fields.Integer
    status: fields.String
    message: fields.String
    errors: fields.Dict
