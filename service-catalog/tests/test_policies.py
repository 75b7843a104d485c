"""Invariants of data/policies/aws_managed.json (written by generate_policies.py)."""
import json
import unittest
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "policies"


class AwsManaged(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DATA / "aws_managed.json", encoding="utf-8") as f:
            cls.doc = json.load(f)

    def test_header(self):
        self.assertEqual(self.doc["generated_by"], "service-catalog/generate_policies.py")
        self.assertTrue(self.doc["source"].startswith("moto "))
        self.assertEqual(self.doc["count"], len(self.doc["policies"]))
        self.assertGreater(self.doc["count"], 1000)

    def test_sorted_unique_keys_and_documents(self):
        keys = list(self.doc["policies"])
        self.assertEqual(keys, sorted(keys))
        names = [k.rsplit("/", 1)[-1] for k in keys]
        self.assertEqual(len(names), len(set(names)), "a policy name under two paths")
        for key, entry in self.doc["policies"].items():
            self.assertFalse(key.startswith("/") or key.endswith("/"), key)
            self.assertIn("Statement", entry["document"], key)

    def test_policies_lambda_roles_use(self):
        p = self.doc["policies"]
        for key in ["service-role/AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess",
                    "service-role/AWSLambdaVPCAccessExecutionRole", "service-role/AWSLambdaSQSQueueExecutionRole",
                    "AmazonS3ReadOnlyAccess", "AmazonDynamoDBFullAccess"]:
            self.assertIn(key, p)
        basic = json.dumps(p["service-role/AWSLambdaBasicExecutionRole"]["document"])
        self.assertIn("logs:PutLogEvents", basic)


if __name__ == "__main__":
    unittest.main()
